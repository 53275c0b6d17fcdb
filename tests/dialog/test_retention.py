"""A dialog's personal data go retention_days after its end; posts and names stay, and
the run is logged once."""

from datetime import timedelta

from django.utils import timezone

from beteiligung.participation import retention as core_retention
from beteiligung.participation.retention import RetentionRun
from modules.dialog.models import Block, DialogPage, Report

from .conftest import make_post


def test_addresses_go_after_the_retention_period_and_the_run_is_logged(dialog):
    post = make_post(dialog, author_email="erika@example.org", email_key="erika@example.org",
                     notify_replies=True, notify_results=True)
    Report.objects.create(post=post, reason="Werbung", reporter_key="abc123")
    Block.objects.create(dialog=dialog, email_key="spam@example.org", reason="Spam")
    now = timezone.now()
    DialogPage.objects.filter(pk=dialog.pk).update(
        starts_at=now - timedelta(days=300), ends_at=now - timedelta(days=200),
        closes_at=now - timedelta(days=200), retention_days=180)

    assert core_retention.apply_all(now=now - timedelta(days=30)) == []  # not yet due
    runs = core_retention.apply_all(now=now)
    assert [(run.module, run.procedure_id) for run in runs] == [("dialog", dialog.pk)]
    assert runs[0].counts == {"addresses": 1, "anonymous_reports": 1, "address_blocks": 1}
    post.refresh_from_db()
    assert (post.author_email, post.email_key, post.notify_replies) == ("", "", False)
    assert post.author_name == "Anna Beispiel" and post.text  # the public post stays
    assert not Report.objects.filter(reporter_key="abc123").exists()
    assert not Block.objects.filter(dialog=dialog).exists()
    assert core_retention.apply_all(now=now) == []  # once
    assert RetentionRun.objects.filter(procedure=dialog).count() == 1


def test_an_open_dialog_keeps_its_addresses(dialog):
    post = make_post(dialog, author_email="erika@example.org", email_key="erika@example.org")
    assert core_retention.apply_all(now=timezone.now() + timedelta(days=10)) == []
    post.refresh_from_db()
    assert post.author_email == "erika@example.org"
