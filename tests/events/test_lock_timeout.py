"""The registration lock has a timeout: a stuck transaction makes others wait at most
PROCEDURE_LOCK_TIMEOUT_MS; they get a German "please try again", nothing half-saved."""

import time

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from modules.events import services
from modules.events.models import ProgrammeItem, Registration, RegistrationStatus

from .conftest import data

BUSY = ("Gerade melden sich sehr viele Menschen an. Bitte versuchen Sie es in einem Moment "
        "noch einmal.")


@pytest.fixture
def short_timeout(settings):
    settings.PROCEDURE_LOCK_TIMEOUT_MS = 300


def test_register_answers_busy_quickly_and_stores_nothing(committed_event, second_connection,
                                                          django_db_blocker, short_timeout):
    tenant, event = committed_event("Amt für Wartezeiten")
    with django_db_blocker.unblock(), tenant_context(tenant):
        with second_connection(tenant, lambda: services.locking._lock_event(event.pk)):  # stuck
            started = time.monotonic()
            with pytest.raises(services.EventBusy) as busy:
                services.register(event, data("eilig@example.org"), client_address="203.0.113.9")
            assert time.monotonic() - started < 2
            with pytest.raises(services.EventBusy):
                services.cancel_event(event)
        assert busy.value.message == BUSY
        assert not Registration.objects.filter(event=event).exists()
        assert not event.is_cancelled
        # Once the lock is free again, the same registration goes through.
        registration = services.register(event, data("eilig@example.org"))
        assert registration.status == RegistrationStatus.PENDING


def test_a_lock_timeout_later_in_the_section_rolls_everything_back(
        committed_event, second_connection, django_db_blocker, short_timeout):
    tenant, event = committed_event("Amt für Workshops")
    with django_db_blocker.unblock(), tenant_context(tenant):
        item = ProgrammeItem.objects.create(event=event, title="Werkstatt", capacity=5)
        lock_item = lambda: list(ProgrammeItem.objects.select_for_update().filter(pk=item.pk))  # noqa: E731
        with second_connection(tenant, lock_item):
            with pytest.raises(services.EventBusy):
                # The event lock is taken, the programme item's is not free.
                services.register(event, data("werkstatt@example.org", item_ids=[item.pk]))
        assert not Registration.objects.filter(event=event).exists()


def test_the_form_answers_busy_with_the_input_kept(committed_event, second_connection,
                                                   django_db_blocker, short_timeout):
    tenant, event = committed_event("Amt für Andrang")
    with django_db_blocker.unblock(), tenant_context(tenant):
        with second_connection(tenant, lambda: services.locking._lock_event(event.pk)):
            response = Client(HTTP_HOST="alpha.localhost").post(
                f"/veranstaltungen/{event.pk}/anmeldung/",
                {"name": "Berta Beharrlich", "email": "berta@example.org", "privacy_consent": "on"},
            )
        content = response.content.decode()
        assert response.status_code == 503 and response["Retry-After"] == "5"
        assert BUSY in content and 'value="Berta Beharrlich"' in content
        assert 'value="berta@example.org"' in content
        assert not Registration.objects.filter(event=event).exists()
