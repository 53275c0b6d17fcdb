"""Capacity under real concurrency: a live gunicorn server, real transactions.

200 people submit the registration form at the same moment for 50 seats: exactly
50 get a seat and 150 the waiting list, without errors. Then 20 cancel at once and
exactly 20 move up, in order. The data is committed (not inside a test
transaction) and removed again at the end.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_tenants.utils import tenant_context

from beteiligung.project.testing.live import Browser

PEOPLE, SEATS, CANCELLING = 200, 50, 20


@pytest.fixture
def live_event(committed_live_event):
    return committed_live_event("Ministerium für Kongresse", title="Kongress Digitalisierung",
                                capacity=SEATS, hold_minutes=60)


def _in_parallel(function, items):
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(function, items))


def test_no_overbooking_and_exact_promotion(live_event, django_db_blocker):
    from modules.events import services
    from modules.events.models import Registration
    from modules.events.models import RegistrationStatus as S

    tenant, event, port = live_event
    path = event.path_on_site
    barrier = threading.Barrier(PEOPLE)

    def register(i):
        # 200 people on 200 connections, forwarded by the (trusted) reverse proxy.
        browser = Browser(port, "alpha.localhost",
                          headers={"X-Forwarded-For": f"198.51.100.{i % 250}, 10.1.{i}.1"})
        token = browser.form_token(path)
        barrier.wait(timeout=120)  # everyone submits at the same moment
        status, headers, body = browser.post(path, {
            "csrfmiddlewaretoken": token, "name": f"Person {i}",
            "email": f"person{i}@example.org", "privacy_consent": "on",
        })
        return status, headers.get("Location", "")

    results = _in_parallel(register, list(range(PEOPLE)))
    assert [status for status, _ in results] == [302] * PEOPLE
    # Registration by e-mail ends on the "check your mailbox" page (views._check_your_mail).
    assert {location for _, location in results} == {f"/veranstaltungen/{event.pk}/anmeldung/gesendet/"}

    with django_db_blocker.unblock(), tenant_context(tenant):
        counts = services.counts(event)
        assert (counts["pending"], counts["waitlisted"]) == (SEATS, PEOPLE - SEATS)
        assert Registration.objects.filter(event=event).count() == PEOPLE
        links = [services.signed_token(r) for r in Registration.objects.filter(event=event)]

    def confirm(signed):
        return Browser(port, "alpha.localhost").post(
            f"/veranstaltungen/anmeldung/{signed}/bestaetigen/", {})[0]

    # CSRF: the confirm form is posted without a token -> refused, nothing changes.
    assert confirm(links[0]) == 403

    def confirm_with_token(signed):
        browser = Browser(port, "alpha.localhost")
        url = f"/veranstaltungen/anmeldung/{signed}/bestaetigen/"
        return browser.post(url, {"csrfmiddlewaretoken": browser.form_token(url)})[0]

    assert set(_in_parallel(confirm_with_token, links)) == {302}
    with django_db_blocker.unblock(), tenant_context(tenant):
        counts = services.counts(event)
        assert (counts["confirmed"], counts["waitlisted"], counts["pending"]) == (SEATS, PEOPLE - SEATS, 0)
        seated = list(Registration.objects.filter(event=event, status=S.CONFIRMED)[:CANCELLING])
        next_in_line = list(Registration.objects.filter(event=event, status=S.WAITLISTED)
                            .order_by("created_at", "id").values_list("pk", flat=True)[:CANCELLING])
        cancel_links = [services.signed_token(r) for r in seated]

    def cancel(signed):
        browser = Browser(port, "alpha.localhost")
        manage = f"/veranstaltungen/anmeldung/{signed}/"
        token = browser.form_token(manage)
        return browser.post(manage + "stornieren/", {"csrfmiddlewaretoken": token})[0]

    # Each cancellation link is used twice at once: still exactly one promotion each.
    assert set(_in_parallel(cancel, cancel_links + cancel_links)) == {302}
    with django_db_blocker.unblock(), tenant_context(tenant):
        counts = services.counts(event)
        assert counts["confirmed"] == SEATS
        assert counts["cancelled"] == CANCELLING
        assert counts["waitlisted"] == PEOPLE - SEATS - CANCELLING
        promoted = sorted(Registration.objects.filter(event=event, promoted_at__isnull=False)
                          .values_list("pk", flat=True))
        assert promoted == sorted(next_in_line)
