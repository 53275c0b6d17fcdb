from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from beteiligung.portal.authorities import create_authority


def make_event(authority, title="Bürgerversammlung Radverkehr", **fields):
    from modules.events.models import EventPage

    now = timezone.now()
    defaults = dict(
        teaser="Wir stellen das Radverkehrskonzept vor.",
        event_start=now + timedelta(days=14), event_end=now + timedelta(days=14, hours=3),
        starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=13),
        venue_name="Rathaus, Großer Saal", venue_address="Markt 1\n04109 Leipzig",
        online_access="https://video.example.org/raum-geheim-123",
        organizer_name="Amt für Verkehr", organizer_email="verkehr@example.org",
        capacity=3, waitlist_enabled=True, hold_minutes=30,
    )
    defaults.update(fields)
    return authority.add_child(instance=EventPage(title=title, **defaults))


def add_question(event, label, kind="short_text", required=False, choices=""):
    from modules.events.models import RegistrationQuestion

    return RegistrationQuestion.objects.create(event=event, label=label, kind=kind,
                                               required=required, choices=choices)


def data(email="anna@example.org", name="Anna Beispiel", **extra):
    from modules.events.services import RegistrationData

    return RegistrationData(name=name, email=email, privacy_consent=True, **extra)


@pytest.fixture
def event(tenant_a, authority_a):
    """An event in tenant A with 3 seats and a waiting list; the test runs in A's schema."""
    connection.set_tenant(tenant_a)
    return make_event(authority_a)


def _remove_committed(made):
    """Remove what the committed_* fixtures made: (tenant, authority, event, ...) each."""
    from modules.events.models import EventPage, Registration

    for tenant, authority, event, *_ in made:
        with tenant_context(tenant):
            Registration.objects.filter(event=event).delete()
            EventPage.objects.filter(pk=event.pk).delete()
            authority.editor_group.delete()
            authority.delete()
    connection.set_schema_to_public()


@pytest.fixture
def committed_live_event(django_db_setup, django_db_blocker):
    """``make(authority_name, **event_fields)`` -> (tenant, event, port): an event in tenant
    A, committed for real, served by a live gunicorn. Everything is removed afterwards."""
    from datetime import timedelta
    from urllib.parse import quote

    from django.utils import timezone

    from beteiligung.project.testing.live import database_url, start_gunicorn, stop
    from tenants.models import Tenant

    made = []

    def make(authority_name, threads=8, **fields):
        with django_db_blocker.unblock():
            tenant = Tenant.objects.get(schema_name="alpha")
            with tenant_context(tenant):
                authority = create_authority(authority_name)
                fields.setdefault("starts_at", timezone.now() - timedelta(hours=1))
                event = make_event(authority, **fields)
                event.path_on_site = quote(event.url_path_on_site)
            server = start_gunicorn(threads=threads, env={
                "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
                "EMAIL_URL": "memory://",
                "TASKS_BACKEND": "beteiligung.project.task_backends.TenantImmediateBackend",
                # As behind the production reverse proxy: browsers of the tests send their
                # own client address in X-Forwarded-For (limits per client, e.g. open holds).
                "TRUSTED_PROXIES": "127.0.0.1",
            })
            made.append((tenant, authority, event, server))
            connection.set_schema_to_public()
        return tenant, event, server.port

    yield make
    with django_db_blocker.unblock():
        for *_, server in made:
            stop(server)
        _remove_committed(made)


@pytest.fixture
def committed_event(django_db_setup, django_db_blocker):
    """``make(authority_name, **event_fields)`` -> (tenant, event): an event in tenant A,
    committed for real so that a second connection (a thread) sees and locks it.
    The test body runs inside ``django_db_blocker.unblock()`` and ``tenant_context``.
    Everything is removed afterwards."""
    from tenants.models import Tenant

    made = []

    def make(authority_name, **fields):
        with django_db_blocker.unblock():
            tenant = Tenant.objects.get(schema_name="alpha")
            with tenant_context(tenant):
                authority = create_authority(authority_name)
                event = make_event(authority, **fields)
            made.append((tenant, authority, event))
            connection.set_schema_to_public()
        return tenant, event

    yield make
    with django_db_blocker.unblock():
        _remove_committed(made)


@pytest.fixture
def second_connection(django_db_blocker):
    """``hold(function)``: run ``function()`` in a thread with its own database connection,
    inside a transaction that stays open (its locks held) until the ``with`` block ends."""
    import contextlib
    import threading

    from django.db import transaction

    @contextlib.contextmanager
    def hold(tenant, function):
        ready, release, failure = threading.Event(), threading.Event(), []

        def run():
            try:
                with tenant_context(tenant), transaction.atomic():
                    function()
                    ready.set()
                    release.wait(timeout=60)
            except BaseException as error:  # noqa: BLE001 - reported to the test
                failure.append(error)
                ready.set()
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        assert ready.wait(timeout=30)
        try:
            assert not failure, failure
            yield
        finally:
            release.set()
            thread.join(timeout=30)

    return hold
