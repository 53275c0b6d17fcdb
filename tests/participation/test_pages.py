"""One meaning of "open": the listing (SQL), the pages and the services (Python) agree,
for events with and without an end of registration, cancelled ones included."""

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from beteiligung.models import ProcedurePage, ProcedureStatus
from beteiligung.participation.pages import status_at
from modules.events import services
from modules.events.models import EventPage

from ..events.conftest import make_event


def _listed(client, status):
    return sorted(p.title for p in client.get(f"/verfahren/?status={status}").context["procedures"])


def test_a_past_event_without_end_of_registration_is_closed_everywhere(client_a, tenant_a, authority_a):
    now = timezone.now()
    with tenant_context(tenant_a):
        past = make_event(authority_a, title="Vorbei ohne Anmeldeschluss", starts_at=None,
                          ends_at=None, event_start=now - timedelta(days=3),
                          event_end=now - timedelta(days=2))
    assert _listed(client_a, "open") == []
    assert _listed(client_a, "closed") == ["Vorbei ohne Anmeldeschluss"]
    page = EventPage.objects.get(pk=past.pk)
    assert page.status == ProcedureStatus.CLOSED and page.registration_state() == "closed"
    listed = client_a.get("/verfahren/").content.decode()
    assert 'class="status status-closed">abgeschlossen<' in listed
    assert "status-open" not in listed
    with pytest.raises(services.RegistrationClosed):
        services.register(page, _data())


def test_a_cancelled_event_is_cancelled_everywhere(client_a, event):
    assert _listed(client_a, "open") == [event.title]
    services.cancel_event(event)
    assert _listed(client_a, "open") == []
    assert _listed(client_a, "cancelled") == [event.title]
    page = EventPage.objects.get(pk=event.pk)
    assert page.status == ProcedureStatus.CANCELLED == ProcedurePage.objects.get(pk=event.pk).status
    assert page.registration_state() == "cancelled"
    home = client_a.get("/").content.decode()
    assert event.title not in home  # the home page shows open procedures only
    listed = client_a.get("/verfahren/").content.decode()
    assert 'class="status status-cancelled">abgesagt<' in listed


def test_the_listing_counts_no_query_per_procedure(client_a, tenant_a, authority_a):
    now = timezone.now()
    with tenant_context(tenant_a):
        for i in range(3):
            make_event(authority_a, title=f"Termin {i}", event_start=now + timedelta(days=5 + i),
                       event_end=now + timedelta(days=6 + i))
    client_a.get("/verfahren/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client_a.get("/verfahren/")
    with tenant_context(tenant_a):
        for i in range(3, 12):
            make_event(authority_a, title=f"Termin {i}", event_start=now + timedelta(days=5 + i),
                       event_end=now + timedelta(days=6 + i))
    client_a.get("/verfahren/")  # saving pages emptied the per-process caches
    with CaptureQueriesContext(connection) as many:
        client_a.get("/verfahren/")
    assert len(many) == len(few)


def test_sql_and_python_agree_on_every_combination(tenant_a, authority_a):
    """Every combination of start/end (past, future, none) and cancellation, as events
    (whose own end closes registration) and as plain procedures: the listing's SQL
    filter puts each in exactly the status its page reports."""
    now = timezone.now()
    starts = {"past": now - timedelta(days=3), "future": now + timedelta(days=2), "none": None}
    ends = {"past": now - timedelta(days=1), "future": now + timedelta(days=3), "none": None}
    made = []
    with tenant_context(tenant_a):
        for i, (start, end, event_over, cancelled) in enumerate(
            product(starts, ends, (False, True), (False, True))
        ):
            if start == "future" and end == "past":
                continue  # refused by clean(): the end must come after the start
            event_end = now - timedelta(hours=1) if event_over else now + timedelta(days=9)
            event = make_event(authority_a, title=f"Fall {i}", starts_at=starts[start],
                               ends_at=ends[end], event_start=event_end - timedelta(hours=2),
                               event_end=event_end)
            if cancelled:
                services.cancel_event(event)
            made.append(event.pk)
        by_sql = {}
        for status in ProcedureStatus.values:
            for pk in ProcedurePage.objects.filter(pk__in=made).with_status(status, now)\
                    .values_list("pk", flat=True):
                assert pk not in by_sql, "a procedure in two statuses"
                by_sql[pk] = status
        for page in EventPage.objects.filter(pk__in=made):
            assert by_sql[page.pk] == page.status_at(now), page.title
            assert page.status_at(now) == status_at(
                starts_at=page.starts_at, closes_at=page.compute_closes_at(),
                cancelled=page.is_cancelled, now=now)
        base = {p.pk: p.status_at(now) for p in ProcedurePage.objects.filter(pk__in=made)
                .select_related("state")}
        assert base == by_sql  # the listing's cards (base class) say the same


def _data():
    from ..events.conftest import data

    return data()
