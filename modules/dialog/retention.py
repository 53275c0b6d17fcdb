"""Deletion of a dialog's personal data after its end (the core's retention run calls
``apply_retention`` hourly in every tenant; registry.Module.retention).

What goes, ``retention_days`` after the dialog closed: the e-mail addresses of authors
without an account (and their wish to be notified), the network keys of anonymous
reports, and blocks that only an address identified. What stays: the posts and the
names they were published under (public content of the dialog), ratings (not tied to
an address), the moderation log. Each dialog handled gets a RetentionRun as proof.
"""

from datetime import timedelta

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from beteiligung.participation import retention
from beteiligung.participation.locking import lock_procedure, locked_section
from beteiligung.participation.state import ProcedureState

from .models import Block, DialogPage, Post, Report


def apply_retention(now=None):
    now = now or timezone.now()
    due = [
        dialog for dialog in DialogPage.objects.filter(
            closes_at__lt=now).exclude(state__personal_data_deleted_at__isnull=False)
        .only("pk", "title", "closes_at", "retention_days")
        if dialog.closes_at + timedelta(days=dialog.retention_days) <= now
    ]
    runs = []
    for dialog in due:
        with locked_section():
            locked = lock_procedure(DialogPage, dialog.pk, ("title",))
            if locked.state.personal_data_deleted_at:
                continue
            addresses = Post.objects.filter(dialog_id=locked.pk).exclude(author_email="").update(
                author_email="", email_key="", notify_replies=False, notify_results=False)
            reports = Report.objects.filter(post__dialog_id=locked.pk, reporter__isnull=True)\
                .exclude(reporter_key__startswith="deleted-")\
                .update(reporter_key=Concat(Value("deleted-"), Cast("id", CharField())))
            blocks, _kinds = Block.objects.filter(dialog_id=locked.pk, user__isnull=True).delete()
            ProcedureState.objects.filter(pk=locked.pk).update(personal_data_deleted_at=now)
            runs.append(retention.log_run("dialog", locked, anonymized=addresses, now=now, counts={
                "addresses": addresses, "anonymous_reports": reports, "address_blocks": blocks,
            }))
    return runs
