"""Moderation primitives: what a post can be (visible, waiting, hidden), reports, and the
audit log of every moderator's action. Modules own their tables (plain foreign keys to
their own posts); the fields, the states and the rules are defined once, here.

The operations themselves (hide, restore, approve, report) are module services, because
each takes that module's lock and notifies that module's people; they use
``apply_hide``/``apply_restore`` below so the state change means the same everywhere.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Visibility(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("waiting for e-mail confirmation")
    PENDING = "pending", _("waiting for moderation")
    PUBLISHED = "published", pgettext_lazy("post state", "published")
    HIDDEN = "hidden", _("hidden by the moderation team")
    DELETED = "deleted", _("deleted by its author")


class Action(models.TextChoices):
    APPROVE = "approve", _("approved")
    HIDE = "hide", pgettext_lazy("moderation action", "hidden")
    RESTORE = "restore", _("restored")
    AUTO_HIDE = "auto_hide", _("hidden after reports")
    BLOCK = "block", _("participant blocked")
    UNBLOCK = "unblock", _("participant unblocked")
    DISMISS = "dismiss", _("reports dismissed")


class ModeratedFields(models.Model):
    """The moderation state of a post (contribution, comment, statement)."""

    visibility = models.CharField(max_length=12, choices=Visibility.choices, db_index=True)
    hidden_reason = models.CharField(_("reason"), max_length=500, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    report_count = models.PositiveIntegerField(default=0)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_public(self):
        return self.visibility in (Visibility.PUBLISHED, Visibility.HIDDEN, Visibility.DELETED)

    @property
    def shows_text(self):
        return self.visibility == Visibility.PUBLISHED


class LogFields(models.Model):
    """One moderator action (or an automatic one, without actor): never edited, never
    deleted with the post's text (the text is not copied here)."""

    action = models.CharField(max_length=12, choices=Action.choices)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True


class ReportFields(models.Model):
    reason = models.CharField(_("reason"), max_length=500)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    # Anonymous reporters count once per network (identity.client_key), never stored raw.
    reporter_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


def apply_hide(post, reason, now=None):
    post.visibility = Visibility.HIDDEN
    post.hidden_reason = str(reason or "")[:500]
    post.hidden_at = now or timezone.now()


def apply_restore(post, now=None):
    post.visibility = Visibility.PUBLISHED
    post.hidden_reason = ""
    post.hidden_at = None
    post.reviewed_at = now or timezone.now()
