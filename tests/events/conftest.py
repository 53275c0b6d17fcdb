from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from beteiligung.authorities import create_authority


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
def authority_a(tenant_a):
    with tenant_context(tenant_a):
        return create_authority("Stadt Leipzig", short_name="Leipzig")


@pytest.fixture
def event(tenant_a, authority_a):
    """An event in tenant A with 3 seats and a waiting list; the test runs in A's schema."""
    with tenant_context(tenant_a):
        page = make_event(authority_a)
    from django.db import connection

    connection.set_tenant(tenant_a)
    return page


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the block's after-commit work (e-mail tasks) at once."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
