"""Seat exhaustion: one client may hold only a few unconfirmed registrations per event.

A probe made 29 unconfirmed registrations in 0.7 s from one machine and the event
showed "ausgebucht" for the whole hold period. The limit counts, inside the event
lock, the client's registrations not yet confirmed by e-mail; the client is its
network address, stored only as a keyed hash.
"""

import pytest
from django_tenants.utils import tenant_context

from beteiligung.participation import identity
from beteiligung.portal.authorities import create_authority
from modules.events import services
from modules.events.models import Registration, RegistrationStatus

from .conftest import data, make_event

S = RegistrationStatus
CLIENT, OTHER = "203.0.113.5", "203.0.113.6"
BUSY_HOLDS = "Von Ihrem Internetanschluss liegen für diese Veranstaltung bereits 3 Anmeldungen"


def _register(event, i, address=CLIENT):
    return services.register(event, data(f"person{i}@example.org"), client_address=address)


@pytest.fixture
def big_event(event):
    event.capacity = 10
    event.save()
    return event


def test_one_client_gets_only_the_allowed_open_holds(big_event):
    for i in range(3):
        assert _register(big_event, i).status == S.PENDING
    with pytest.raises(services.TooManyOpenHolds) as refused:
        _register(big_event, 3)
    assert refused.value.message.startswith(BUSY_HOLDS)
    assert Registration.objects.filter(event=big_event).count() == 3  # nothing stored
    # Other clients are not affected, and the event is far from "ausgebucht".
    assert _register(big_event, 4, OTHER).status == S.PENDING
    assert services.counts(big_event)["free"] == 6


def test_the_waiting_list_counts_too_and_a_confirmation_frees_a_slot(big_event):
    big_event.capacity = 1
    big_event.save()
    first = _register(big_event, 0)
    assert [_register(big_event, i).status for i in (1, 2)] == [S.WAITLISTED] * 2
    with pytest.raises(services.TooManyOpenHolds):
        _register(big_event, 3)
    services.confirm_email(first)
    assert Registration.objects.get(pk=first.pk).client_key == ""  # kept only while unconfirmed
    assert _register(big_event, 3).status == S.WAITLISTED


def test_expired_holds_no_longer_count(big_event):
    from datetime import timedelta

    from django.utils import timezone

    for i in range(3):
        _register(big_event, i)
    later = timezone.now() + timedelta(minutes=big_event.hold_minutes + 1)
    assert services.register(big_event, data("spaeter@example.org"), client_address=CLIENT,
                             now=later).status == S.PENDING


def test_ipv6_counts_per_64_network(big_event):
    for i in range(3):
        _register(big_event, i, f"2001:db8:1:2::{i + 1}")
    with pytest.raises(services.TooManyOpenHolds):
        _register(big_event, 3, "2001:db8:1:2:ffff::9")  # same /64: same machine
    assert _register(big_event, 4, "2001:db8:1:3::1").status == S.PENDING


def test_addresses_as_proxies_write_them_count_as_that_client(big_event):
    """Ports and brackets (some load balancers add them) name the same client; an address
    that cannot be read falls into one shared bucket instead of switching the limit off."""
    assert identity.client_key("203.0.113.9:5555") == identity.client_key("203.0.113.9")
    assert identity.client_key("[2001:db8::1]:443") == identity.client_key("2001:db8::1")
    assert identity.client_key("garbage") == identity.client_key("other garbage") != ""
    for i in range(3):
        _register(big_event, i, f"kaputt-{i}")
    with pytest.raises(services.TooManyOpenHolds):
        _register(big_event, 3, "noch-kaputter")


def test_limit_is_set_per_event_and_per_tenant(big_event, authority_a, tenant_b):
    for i in range(3):
        _register(big_event, i)
    other = make_event(authority_a, title="Zweite Veranstaltung", capacity=10)
    assert _register(other, 0).status == S.PENDING  # another event: its own count
    unlimited = make_event(authority_a, title="Ohne Grenze", capacity=10,
                           max_open_holds_per_client=None)
    assert [_register(unlimited, i).status for i in range(5)] == [S.PENDING] * 5
    one = make_event(authority_a, title="Streng", capacity=10, max_open_holds_per_client=1)
    _register(one, 0)
    with pytest.raises(services.TooManyOpenHolds):
        _register(one, 1)
    with tenant_context(tenant_b):
        b_event = make_event(create_authority("Stadt Köln"), title="Kölner Forum", capacity=10)
        assert [_register(b_event, i).status for i in range(3)] == [S.PENDING] * 3


def test_verified_accounts_are_not_limited(big_event):
    from allauth.account.models import EmailAddress

    from ..factories import make_user

    for i in range(3):
        _register(big_event, i)
    user = make_user("konto@example.org")
    EmailAddress.objects.update_or_create(user=user, email="konto@example.org",
                                          defaults={"verified": True})
    registration = services.register(big_event, data("konto@example.org"), user=user,
                                     client_address=CLIENT)
    assert registration.status == S.CONFIRMED and registration.client_key == ""


def test_the_address_itself_is_never_stored(big_event):
    registration = _register(big_event, 0)
    stored = Registration.objects.filter(pk=registration.pk).values().get()
    assert registration.client_key and CLIENT not in str(stored)
    assert identity.client_key(CLIENT) == registration.client_key != identity.client_key(OTHER)


def test_form_refuses_in_german_and_keeps_the_input(big_event, client_a):
    path = big_event.url_path_on_site
    for i in range(3):
        response = client_a.post(path, {"name": f"Person {i}", "email": f"p{i}@example.org",
                                        "privacy_consent": "on"})
        assert response.status_code == 302
    # A forged X-Forwarded-For does not make another client (no trusted proxy configured).
    response = client_a.post(path, {"name": "Vierte Person", "email": "p4@example.org",
                                    "privacy_consent": "on"}, HTTP_X_FORWARDED_FOR="198.51.100.7")
    content = response.content.decode()
    assert response.status_code == 200
    assert BUSY_HOLDS in content and 'value="Vierte Person"' in content
    assert Registration.objects.filter(event=big_event).count() == 3


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(big_event, client_a,
                                                                    settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    path = big_event.url_path_on_site
    for i in range(5):  # five people behind the proxy, each from an address of their own
        response = client_a.post(
            path, {"name": f"Person {i}", "email": f"p{i}@example.org", "privacy_consent": "on"},
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, 198.51.100.{i}, 10.0.0.2",
        )
        assert response.status_code == 302
    keys = set(Registration.objects.values_list("client_key", flat=True))
    assert keys == {identity.client_key(f"198.51.100.{i}") for i in range(5)}
