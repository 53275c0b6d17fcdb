"""Background tasks run in the schema of the tenant that enqueued them."""

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks import task
from django_tenants.utils import schema_context, tenant_context


@task()
def record_schema(label):
    from beteiligung.models import OutboxMessage

    OutboxMessage.objects.create(to="task@example.org", subject=label, body=connection.schema_name)
    return connection.schema_name


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    # The worker closes connections between batches (process housekeeping), which
    # would end the test's transaction; everything else runs as in production.
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def test_task_enqueued_in_a_runs_in_a(tenant_a, tenant_b, settings):
    from django_tasks_db.models import DBTaskResult

    from beteiligung.models import OutboxMessage

    settings.TASKS = {"default": {"BACKEND": "beteiligung.project.task_backends.TenantDatabaseBackend"}}
    with tenant_context(tenant_a):
        result = record_schema.enqueue("aus-alpha")
    # The queue lives in the public schema; the worker starts there, as in production.
    connection.set_schema_to_public()
    assert DBTaskResult.objects.filter(id=result.id).exists()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    with schema_context("public"):
        db_result = DBTaskResult.objects.get(id=result.id)
    assert db_result.status == "SUCCESSFUL", db_result.traceback
    assert db_result.return_value == "alpha"
    with tenant_context(tenant_a):
        assert OutboxMessage.objects.filter(subject="aus-alpha", body="alpha").exists()
    with tenant_context(tenant_b):
        assert not OutboxMessage.objects.filter(subject="aus-alpha").exists()


def test_task_of_a_deleted_tenant_fails_instead_of_running_in_public(tenant_a, settings):
    from django_tasks_db.models import DBTaskResult

    from beteiligung.project.tasks import run_in_schema

    settings.TASKS = {"default": {"BACKEND": "beteiligung.project.task_backends.TenantDatabaseBackend"}}
    result = run_in_schema.enqueue("geloescht", record_schema.module_path, ["x"], {})
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    with schema_context("public"):
        assert DBTaskResult.objects.get(id=result.id).status == "FAILED"


def test_immediate_backend_also_carries_the_schema(tenant_b, settings):
    settings.TASKS = {
        "default": {"BACKEND": "beteiligung.project.task_backends.TenantImmediateBackend"}
    }
    with tenant_context(tenant_b):
        result = record_schema.enqueue("sofort")
    assert result.return_value == "beta"


def test_scheduled_page_goes_live_in_its_tenant_only(tenant_a, tenant_b, client_a, monkeypatch):
    """The scheduler runs Wagtail's scheduled publishing in every tenant: A's page whose
    go-live time has come goes live; B's page, due later, stays scheduled."""
    from datetime import timedelta

    from django.utils import timezone
    from wagtail.models import Revision

    from beteiligung.models import StandardPage
    from beteiligung.project import scheduler

    from .factories import home_page

    def scheduled_page(slug, go_live_at):
        page = home_page().add_child(
            instance=StandardPage(title=slug, slug=slug, body="<p>bald</p>", live=False)
        )
        page.go_live_at = go_live_at
        revision = page.save_revision()
        revision.publish()  # go-live in the future: scheduled, not live
        page.refresh_from_db()
        assert not page.live and Revision.objects.get(pk=revision.pk).approved_go_live_at
        return page, revision

    now = timezone.now()
    with tenant_context(tenant_a):
        page_a, revision_a = scheduled_page("geplant-a", now + timedelta(hours=1))
        # The go-live time has come (as if an hour had passed).
        past = now - timedelta(minutes=1)
        revision_a.refresh_from_db()
        revision_a.content["go_live_at"] = past.isoformat()
        revision_a.approved_go_live_at = past
        revision_a.save(update_fields=["content", "approved_go_live_at"])
    with tenant_context(tenant_b):
        page_b, revision_b = scheduled_page("geplant-b", now + timedelta(hours=1))
    assert client_a.get("/geplant-a/").status_code == 404
    monkeypatch.setattr(scheduler, "LAST_RUN", {})
    enqueued = scheduler.run_due()
    assert ("alpha", "beteiligung.project.tasks.publish_scheduled") in enqueued
    assert ("beta", "beteiligung.project.tasks.publish_scheduled") in enqueued
    with tenant_context(tenant_a):
        page_a.refresh_from_db()
        assert page_a.live
    with tenant_context(tenant_b):
        page_b.refresh_from_db()
        assert not page_b.live
        assert Revision.objects.get(pk=revision_b.pk).approved_go_live_at is not None
    assert client_a.get("/geplant-a/").status_code == 200
