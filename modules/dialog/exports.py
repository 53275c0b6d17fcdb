"""Exports of a dialog for its moderators: every post (contributions and comments) and
every rating, as CSV or XLSX through the core's table writer (formula guard included).

No e-mail addresses and no rater identities: the export is for evaluating the dialog
and often passed on (to councils, to contractors); the names are already public beside
each post. Each table is one query, read with an iterator.

Both tables are registered (``TABLES``, in apps.py) with the portal's registry, through
which the admin view and ``beteiligung export`` find them.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from beteiligung.participation import registry
from beteiligung.participation.moderation import Visibility
from beteiligung.participation.text import clean_text, one_line

from .models import Post, Rating


def _local(value):
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M:%S") if value else ""


def post_headers(dialog):
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


def rating_headers(dialog):
    return [_("Post ID"), _("Rating"), _("Time")]


def rating_rows(dialog):
    rows = (Rating.objects.filter(post__dialog=dialog).order_by("created_at", "id")
            .values_list("post_id", "value", "created_at"))
    for post_id, value, created in rows.iterator(chunk_size=5000):
        yield [post_id, value, _local(created)]


def _filename(name):
    return lambda dialog: f"dialog-{dialog.slug}-{name}"


TABLES = (
    registry.Export(key="posts", label=pgettext_lazy("export table", "Posts"),
                    headers=post_headers, rows=post_rows, filename=_filename("beitraege")),
    registry.Export(key="ratings", label=pgettext_lazy("export table", "Ratings"),
                    headers=rating_headers, rows=rating_rows, filename=_filename("bewertungen")),
)
