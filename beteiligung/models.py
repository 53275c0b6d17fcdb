"""The models of the ``beteiligung`` app. They live on their floor (portal/,
participation/); Django looks for an app's models here."""

from django.db import models

from beteiligung.participation.pages import (  # noqa: F401
    ProcedurePage,
    ProcedurePageManager,
    ProcedurePageQuerySet,
    ProcedureStatus,
)
from beteiligung.participation.retention import RetentionRun  # noqa: F401
from beteiligung.participation.spam import SpamProtectionSettings  # noqa: F401
from beteiligung.participation.state import ProcedureState  # noqa: F401
from beteiligung.portal.pages import (  # noqa: F401
    AuthorityPage,
    HomePage,
    PortalSettings,
    ProcedureIndexPage,
    StandardPage,
)


class OutboxMessage(models.Model):
    """An e-mail kept by the demo outbox instead of being sent (never in production)."""

    to = models.TextField()
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True)
    attachments = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.subject} -> {self.to}"

