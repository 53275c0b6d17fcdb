"""Exports of a dialog for its moderators: every post (contributions and comments) and
every rating, as CSV or XLSX through the core's table writer (formula guard included).

No e-mail addresses and no rater identities: the export is for evaluating the dialog
and often passed on (to councils, to contractors); the names are already public beside
each post. Each table is one query, read with an iterator.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from beteiligung.participation.exports import table_response
from beteiligung.participation.moderation import Visibility
from beteiligung.participation.text import clean_text, one_line

from .models import Post, Rating

KINDS = ("posts", "ratings")
FORMATS = ("csv", "xlsx")


def _local(value):
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M:%S") if value else ""


def post_headers():
    return [_("ID"), pgettext("export column", "Type"), _("Parent ID"), _("Category"), _("Title"), _("Text"),
            _("Author"), _("Official reply"), _("Visibility"), _("Hidden reason"),
            _("Created"), _("Support"), _("Oppose"), _("Replies")]


def post_rows(dialog):
    labels = dict(Visibility.choices)
    rows = (Post.objects.filter(dialog=dialog).exclude(visibility=Visibility.UNCONFIRMED)
            .order_by("created_at", "id")
            .values_list("pk", "depth", "parent_id", "category__name", "title", "text",
                         "author_name", "is_official", "visibility", "hidden_reason",
                         "created_at", "support_count", "oppose_count", "reply_count"))
    contribution, comment = _("Contribution"), _("Comment")
    for (pk, depth, parent_id, category, title, text, author, official, visibility, reason,
         created, support, oppose, replies) in rows.iterator(chunk_size=2000):
        yield [pk, comment if depth else contribution, parent_id or "", category or "",
               one_line(title), clean_text(text, 0), one_line(author), official,
               str(labels.get(visibility, visibility)), one_line(reason), _local(created),
               support, oppose, replies]


def rating_headers():
    return [_("Post ID"), _("Rating"), _("Time")]


def rating_rows(dialog):
    rows = (Rating.objects.filter(post__dialog=dialog).order_by("created_at", "id")
            .values_list("post_id", "value", "created_at"))
    for post_id, value, created in rows.iterator(chunk_size=5000):
        yield [post_id, value, _local(created)]


def export_response(dialog, kind, fmt):
    if kind == "ratings":
        headers, rows, name = rating_headers(), rating_rows(dialog), "bewertungen"
    else:
        headers, rows, name = post_headers(), post_rows(dialog), "beitraege"
    return table_response(fmt, f"dialog-{dialog.slug}-{name}", headers, rows,
                          sheet_title=dialog.title)
