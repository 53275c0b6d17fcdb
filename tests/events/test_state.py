"""State that services own (cancellation, calendar sequence, deletion of personal data)
lives in the procedure's state row (the core's ProcedureState), a row that Wagtail
publishing never writes, and the registration lock is taken on that row: publishing cannot
undo a cancellation, editors publishing
never wait for a rush and a rush never waits for editors."""

import time

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from beteiligung.participation.state import ProcedureState
from modules.events import page_cache, services
from modules.events.models import EventPage, Registration, RegistrationStatus

from .conftest import data


def test_publishing_a_page_loaded_before_the_cancellation_keeps_it_cancelled(event, committed):
    draft = event.save_revision()  # the editor's form and revision, loaded before
    stale = EventPage.objects.get(pk=event.pk)
    with committed():
        services.cancel_event(EventPage.objects.get(pk=event.pk))  # the organizer, meanwhile
    draft.publish()
    assert EventPage.objects.get(pk=event.pk).is_cancelled
    stale.teaser = "Nachtrag zum Programm"
    stale.save_revision().publish()
    fresh = EventPage.objects.get(pk=event.pk)
    assert fresh.is_cancelled and fresh.sequence == 1 and fresh.teaser == "Nachtrag zum Programm"
    # The cached page of the registration form sees it too, and registration stays closed.
    assert page_cache.lookup(event.pk).page.is_cancelled
    with pytest.raises(services.RegistrationClosed):
        services.register(fresh, data())


def test_a_copy_of_a_cancelled_event_is_a_new_open_event(event):
    services.cancel_event(event)
    copy = event.copy(update_attrs={"slug": "kopie", "title": "Kopie der Versammlung"})
    copy = EventPage.objects.get(pk=copy.pk)
    assert not copy.is_cancelled and copy.sequence == 0
    assert ProcedureState.objects.filter(pk=copy.pk).exists()  # made with the page
    assert services.register(copy, data()).status == RegistrationStatus.PENDING


def test_an_event_without_state_row_gets_one_when_locked(event):
    ProcedureState.objects.filter(pk=event.pk).delete()
    event = EventPage.objects.get(pk=event.pk)
    assert not event.is_cancelled and event.sequence == 0  # a default, no error
    services.register(event, data())
    assert ProcedureState.objects.filter(pk=event.pk).exists()


def test_listings_read_the_state_without_a_query_per_event(event, authority_a, client_a):
    from django.test.utils import CaptureQueriesContext

    from .conftest import make_event

    client_a.get("/veranstaltungen/kalender.ics")
    with CaptureQueriesContext(connection) as one:
        client_a.get("/veranstaltungen/kalender.ics")
    for i in range(3):
        make_event(authority_a, title=f"Weitere Veranstaltung {i}")
    client_a.get("/veranstaltungen/kalender.ics")  # per-process caches filled again
    with CaptureQueriesContext(connection) as four:
        feed = client_a.get("/veranstaltungen/kalender.ics").content.decode()
    assert feed.count("BEGIN:VEVENT") == 4
    assert len(four) == len(one)


def _session_lock_timeout(ms):
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {int(ms)}")


def test_publishing_does_not_wait_for_a_registration_rush(committed_event, second_connection,
                                                          django_db_blocker):
    tenant, event = committed_event("Amt für Eile")
    with django_db_blocker.unblock(), tenant_context(tenant):
        _session_lock_timeout(2000)  # a wait fails the test instead of hanging it
        try:
            # A registration holds the event's lock (as in a rush, one after the other).
            with second_connection(tenant, lambda: services.locking._lock_event(event.pk)):
                started = time.monotonic()
                page = EventPage.objects.get(pk=event.pk)
                page.venue_name = "Neues Rathaus, Festsaal"
                page.save_revision().publish()
                assert time.monotonic() - started < 1.5
        finally:
            _session_lock_timeout(0)
        assert EventPage.objects.get(pk=event.pk).venue_name == "Neues Rathaus, Festsaal"


def test_a_registration_does_not_wait_for_an_editor_publishing(committed_event,
                                                                second_connection,
                                                                django_db_blocker):
    tenant, event = committed_event("Amt für Geduld")

    def publishing():  # the page rows written, the publishing transaction still open
        page = EventPage.objects.get(pk=event.pk)
        page.venue_name = "Neues Rathaus, Festsaal"
        page.save()

    with django_db_blocker.unblock(), tenant_context(tenant):
        _session_lock_timeout(2000)
        try:
            with second_connection(tenant, publishing):
                started = time.monotonic()
                registration = services.register(event, data(), client_address="203.0.113.1")
                assert time.monotonic() - started < 1.5
        finally:
            _session_lock_timeout(0)
        assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.PENDING
