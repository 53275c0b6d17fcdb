"""What participants and moderators do in a dialog: posts (contributions and their
threaded comments), ratings, reports, blocks and the moderation log.

One table holds contributions and comments: a contribution is a post without parent
(depth 0, with title, category and image); a comment has a parent and its contribution
as ``root`` (depth 1 to 3; deeper replies attach to the third level). So ratings,
reports and moderation have one foreign key each, and a contribution's whole thread is
one indexed query (``root``).

Invariants the database keeps:
* one rating per person and post (unique constraint), value +1 or -1;
* one report per reporter and post (unique constraints, account or network key);
* one block per dialog and person.
Counters (support, oppose, replies) are kept on the post by the services, in the same
transaction as the change they count.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beteiligung.participation.consent import ConsentFields
from beteiligung.participation.moderation import LogFields, ModeratedFields, ReportFields

from .pages import DialogAttachment, DialogCategory, DialogPage  # noqa: F401 - Django finds them here

MAX_DEPTH = 3
TITLE_MAX = 200
TEXT_MAX = 5000


def new_token():
    return secrets.token_urlsafe(24)


class Post(ModeratedFields, ConsentFields):
    dialog = models.ForeignKey(DialogPage, on_delete=models.CASCADE, related_name="posts")
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="thread")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="replies")
    depth = models.PositiveSmallIntegerField(default=0)
    # The post a comment answers: its parent, except for replies to a depth-3 comment,
    # which are stored beside it (parent = its parent) and show "Antwort an <Name>".
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    # Contributions only
    title = models.CharField(_("title"), max_length=TITLE_MAX, blank=True)
    category = models.ForeignKey(DialogCategory, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("category"))
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    image_alt = models.CharField(_("image description"), max_length=300, blank=True)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    # Who wrote it: an account, or (e-mail mode) a name and a confirmed address.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="dialog_posts")
    author_name = models.CharField(_("name"), max_length=200)
    author_email = models.EmailField(blank=True, max_length=254)
    email_key = models.CharField(max_length=254, blank=True, db_index=True)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    is_official = models.BooleanField(default=False)  # a reply by the authority
    notify_replies = models.BooleanField(default=False)
    notify_results = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Counters, kept by the services in the transaction of the change they count.
    support_count = models.PositiveIntegerField(default=0)
    oppose_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)  # contributions: all comments

    class Meta:
        indexes = [
            models.Index(fields=["dialog", "depth", "visibility", "created_at"],
                         name="dialog_post_list"),
            models.Index(fields=["dialog", "depth", "visibility", "support_count"],
                         name="dialog_post_support"),
            models.Index(fields=["dialog", "depth", "visibility", "reply_count"],
                         name="dialog_post_discussed"),
            models.Index(fields=["root", "created_at"], name="dialog_post_thread"),
            models.Index(fields=["dialog", "visibility", "report_count"], name="dialog_post_queue"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(depth__lte=MAX_DEPTH), name="dialog_post_max_depth"),
            models.CheckConstraint(
                condition=(Q(depth=0, parent__isnull=True, root__isnull=True)
                           | Q(depth__gt=0, parent__isnull=False, root__isnull=False)),
                name="dialog_post_thread_shape",
            ),
        ]

    def __str__(self):
        return self.title or self.text[:60]

    @property
    def is_contribution(self):
        return self.depth == 0


class Rating(models.Model):
    SUPPORT, OPPOSE = 1, -1
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="dialog_ratings")
    value = models.SmallIntegerField(choices=[(1, _("support")), (-1, _("oppose"))])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="dialog_one_rating_per_person"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="dialog_rating_value"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.value:+d} on {self.post_id}"


class Report(ReportFields):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], condition=Q(reporter__isnull=False),
                                    name="dialog_one_report_per_account"),
            models.UniqueConstraint(fields=["post", "reporter_key"], condition=Q(reporter__isnull=True),
                                    name="dialog_one_report_per_network"),
        ]


class Block(models.Model):
    """A participant blocked from one dialog (by account, or by confirmed address)."""

    dialog = models.ForeignKey(DialogPage, on_delete=models.CASCADE, related_name="blocks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    email_key = models.CharField(max_length=254, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    blocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dialog", "user"], condition=Q(user__isnull=False),
                                    name="dialog_one_block_per_account"),
            models.UniqueConstraint(fields=["dialog", "email_key"], condition=~Q(email_key=""),
                                    name="dialog_one_block_per_address"),
        ]

    def __str__(self):
        return f"block in {self.dialog_id}: {self.user_id or self.email_key}"


class ModerationLog(LogFields):
    dialog = models.ForeignKey(DialogPage, on_delete=models.CASCADE, related_name="moderation_log")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="moderation_log")
    block = models.ForeignKey(Block, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
