"""Spam protection (beteiligung/participation/spam.py): proof of work bound to the tenant
and usable once, the honeypot, and the hourly limits per account and per address, with
the real database cache (shared by processes) and the tenants' own settings."""

import base64
import json
import threading
from datetime import timedelta

import altcha
import pytest
from django import forms
from django.db import connection
from django.utils import timezone
from django.utils.translation import override

from beteiligung.participation import spam

from ..factories import make_user

NOW = timezone.now().replace(minute=5, second=0, microsecond=0)
DEFAULTS = spam.Limits()


def solved(max_number=1000, now=None, challenge=None):
    """A payload as pow.js builds it: the challenge of this schema, brute-forced here."""
    data = json.loads(challenge or spam.new_challenge(max_number, now=now))
    solution = altcha.solve_challenge_v1(data["challenge"], data["salt"], data["algorithm"],
                                         data["maxNumber"])
    payload = {key: data[key] for key in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = solution.number
    return base64.b64encode(json.dumps(payload).encode()).decode()


@pytest.fixture
def in_a(tenant_a):
    connection.set_tenant(tenant_a)
    return tenant_a


def check(data=None, *, scope="dialog.contribution", user=None, address="203.0.113.7",
          limits=DEFAULTS, now=NOW):
    return spam.check(data or {}, scope=scope, user=user, address=address, limits=limits, now=now)


# --- Proof of work -------------------------------------------------------------------------

def test_valid_payload_counts_once(in_a):
    payload = solved()
    assert spam.verify_proof_of_work(payload, now=NOW) == spam.PowStatus.VALID
    assert spam.verify_proof_of_work(payload, now=NOW) == spam.PowStatus.REPLAYED
    # Through check(): the second submission with it falls back to the stricter limit.
    second = solved()
    assert check({spam.PAYLOAD_FIELD: second}).proof_of_work == spam.PowStatus.VALID
    assert check({spam.PAYLOAD_FIELD: second}).proof_of_work == spam.PowStatus.REPLAYED


def test_expired_challenge_is_refused(in_a):
    old = NOW - spam.CHALLENGE_LIFETIME - timedelta(seconds=5)
    assert spam.verify_proof_of_work(solved(now=old), now=NOW) == spam.PowStatus.EXPIRED
    recent = NOW - spam.CHALLENGE_LIFETIME + timedelta(seconds=30)
    assert spam.verify_proof_of_work(solved(now=recent), now=NOW) == spam.PowStatus.VALID


def test_solution_of_tenant_a_is_invalid_at_tenant_b(tenant_a, tenant_b):
    connection.set_tenant(tenant_a)
    payload = solved()
    connection.set_tenant(tenant_b)
    assert spam.verify_proof_of_work(payload, now=NOW) == spam.PowStatus.INVALID
    connection.set_tenant(tenant_a)
    assert spam.verify_proof_of_work(payload, now=NOW) == spam.PowStatus.VALID


def _tampered(payload, **changes):
    data = json.loads(base64.b64decode(payload))
    data.update(changes)
    return base64.b64encode(json.dumps(data).encode()).decode()


def test_tampered_or_malformed_payloads_are_invalid(in_a, hostile_inputs):
    from ..conftest import hostile_strings

    payload = solved()
    data = json.loads(base64.b64decode(payload))
    later_salt = data["salt"].replace("expires=", "expires=9")  # a longer life
    for bad in (
        _tampered(payload, number=data["number"] + 1),
        _tampered(payload, salt=later_salt),
        _tampered(payload, signature="0" * 64),
        _tampered(payload, algorithm="SHA-1"),
        _tampered(payload, number=str(data["number"])),
        _tampered(payload, number=True),
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
        "kein base64 !",
        payload + "A" * spam.MAX_PAYLOAD_CHARS,
        *hostile_strings(hostile_inputs),
    ):
        assert spam.verify_proof_of_work(bad, now=NOW) in (spam.PowStatus.INVALID,
                                                          spam.PowStatus.MISSING), bad
    # None of that used the real one up.
    assert spam.verify_proof_of_work(payload, now=NOW) == spam.PowStatus.VALID


def test_challenge_difficulty_follows_the_setting_within_bounds(in_a):
    assert json.loads(spam.new_challenge(20_000))["maxNumber"] == 20_000
    assert json.loads(spam.new_challenge(5))["maxNumber"] == spam.POW_MAX_NUMBER_RANGE[0]
    assert json.loads(spam.new_challenge(10**9))["maxNumber"] == spam.POW_MAX_NUMBER_RANGE[1]


# --- Honeypot -------------------------------------------------------------------------------

def test_filled_honeypot_is_refused_without_counting(in_a):
    limits = spam.Limits(per_address_without_pow=1)
    verdict = check({spam.HONEYPOT_FIELD: "http://spam.example"}, limits=limits)
    assert not verdict and verdict.reason == "honeypot"
    assert "bot" not in verdict.message.lower()
    assert check({spam.HONEYPOT_FIELD: "   "}, limits=limits).allowed  # blank is empty
    assert not check({}, limits=limits).allowed  # the one allowed post was the blank one


# --- Rate limits ----------------------------------------------------------------------------

def test_limit_per_account(in_a):
    anna, ben = make_user("anna@example.org"), make_user("ben@example.org")
    limits = spam.Limits(per_account=3, per_address_without_pow=1)
    # The account counts, not the shared address (an office network): no address limit.
    assert all(check(user=anna, limits=limits) for _ in range(3))
    verdict = check(user=anna, limits=limits)
    assert (verdict.allowed, verdict.reason) == (False, "account_limit")
    assert verdict.retry_after == 55 * 60 and "55" in verdict.message
    assert check(user=ben, limits=limits).allowed
    assert check(user=anna, limits=limits, scope="dialog.comment").allowed  # each scope apart
    assert check(user=anna, limits=limits, now=NOW + timedelta(hours=1)).allowed  # next window


def test_limit_per_address_with_and_without_proof_of_work(in_a):
    limits = spam.Limits(per_address_with_pow=4, per_address_without_pow=2)
    assert check(limits=limits) and check(limits=limits)
    refused = check(limits=limits)
    assert (refused.allowed, refused.reason) == (False, "address_limit")
    # With JavaScript the same address has the larger allowance.
    for _ in range(4):
        verdict = check({spam.PAYLOAD_FIELD: solved()}, limits=limits)
        assert verdict.allowed and verdict.proof_of_work == spam.PowStatus.VALID
    assert not check({spam.PAYLOAD_FIELD: solved()}, limits=limits).allowed
    # Another address is not affected; nor are calls by the portal itself.
    assert check(limits=limits, address="198.51.100.1").allowed
    assert all(check(limits=limits, address=None) for _ in range(5))


def test_anonymous_user_object_counts_per_address(in_a):
    from django.contrib.auth.models import AnonymousUser

    limits = spam.Limits(per_address_without_pow=1)
    assert check(user=AnonymousUser(), limits=limits).allowed
    assert check(user=AnonymousUser(), limits=limits).reason == "address_limit"


def test_ratings_have_a_larger_allowance(in_a):
    limits = spam.Limits(per_address_without_pow=1)
    assert all(check(limits=limits, scope="dialog.rating") for _ in range(10))
    assert not check(limits=limits, scope="dialog.rating").allowed


def test_ipv6_counts_per_64_and_addresses_are_never_stored(in_a):
    limits = spam.Limits(per_address_without_pow=2)
    assert check(limits=limits, address="2001:db8:1:2::1")
    assert check(limits=limits, address="[2001:db8:1:2:ffff::9]:443")
    assert not check(limits=limits, address="2001:db8:1:2:abcd::1").allowed  # same /64
    assert check(limits=limits, address="2001:db8:1:3::1").allowed  # the next /64
    assert spam.address_key("::ffff:192.0.2.1") == spam.address_key("192.0.2.1:1234")
    assert spam.address_key("kaputt") == spam.address_key("auch kaputt")  # one bucket
    assert spam.address_key("") == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM public.beteiligung_cache")
        keys = " ".join(row[0] for row in cursor.fetchall())
    assert "spam:alpha:dialog.contribution:address" in keys
    assert "2001" not in keys and "203.0.113" not in keys


def test_counts_of_tenants_are_apart(tenant_a, tenant_b):
    limits = spam.Limits(per_address_without_pow=1)
    connection.set_tenant(tenant_a)
    assert check(limits=limits) and not check(limits=limits)
    connection.set_tenant(tenant_b)
    assert check(limits=limits)


def test_settings_of_the_tenant_take_effect(in_a):
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    assert spam.limits_for_site(site) == spam.Limits()  # the defaults
    settings = spam.SpamProtectionSettings.for_site(site)
    settings.posts_per_address_per_hour_without_pow = 1
    settings.pow_max_number = 2_000
    settings.save()
    limits = spam.limits_for_site(site)
    assert limits.per_address_without_pow == 1
    assert check(limits=limits) and not check(limits=limits)
    settings.posts_per_address_per_hour_without_pow = 3
    settings.save()
    assert check(limits=spam.limits_for_site(site)).allowed
    form = ProtectedForm(spam_limits=spam.limits_for_site(site))
    assert json.loads(form[spam.CHALLENGE_FIELD].value())["maxNumber"] == 2_000


def test_limits_for_request_are_kept_per_process(in_a, client_a):
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    request = RequestFactory(HTTP_HOST="alpha.localhost").get("/")
    from wagtail.models import Site

    request._wagtail_site = Site.objects.get(is_default_site=True)
    spam.limits_for_request(request)  # creates the row on first use
    request = RequestFactory(HTTP_HOST="alpha.localhost").get("/")
    request._wagtail_site = Site.objects.get(is_default_site=True)
    with CaptureQueriesContext(connection) as queries:
        assert spam.limits_for_request(request) == spam.Limits()
        spam.limits_for_request(request)
    assert len(queries) == 0
    # Saving the setting drops the kept limits (in this process at once).
    setting = spam.SpamProtectionSettings.for_site(request._wagtail_site)
    setting.posts_per_account_per_hour = 7
    setting.save()
    assert spam.limits_for_request(request).per_account == 7


def test_slots_are_atomic_across_connections(django_db_setup, django_db_blocker):
    """Twelve threads (twelve database connections, as processes would be) take from a
    limit of five at once: exactly five succeed, though the database cache's incr is a
    read and a write."""
    from django.core.cache import cache
    from django.db import connections

    barrier = threading.Barrier(12)
    results = []

    def take():
        try:
            barrier.wait()
            results.append(spam._take("spam:test:atomic", 5, 60))
        finally:
            connections.close_all()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=take) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cache.clear()
    assert results.count(True) == 5 and len(results) == 12


def test_scope_names_are_checked(in_a):
    with pytest.raises(ValueError):
        check(scope="Dialog Beitrag")


# --- Messages and the form ------------------------------------------------------------------

def test_messages_are_german(in_a):
    limits = spam.Limits(per_address_without_pow=1)
    with override("de"):
        honeypot = check({spam.HONEYPOT_FIELD: "x"}, limits=limits)
        check(limits=limits)
        limited = check(limits=limits)
        limited_one = check(limits=limits, now=NOW.replace(minute=59, second=30))
        label = str(ProtectedForm(spam_limits=limits)[spam.HONEYPOT_FIELD])
        from beteiligung.participation.spam import SpamProtectionSettings

        names = [str(field.verbose_name) for field in SpamProtectionSettings._meta.get_fields()
                 if hasattr(field, "help_text") and field.name not in ("id", "site")]
        helps = [str(field.help_text) for field in SpamProtectionSettings._meta.get_fields()
                 if getattr(field, "help_text", "") and field.name not in ("id", "site")]
        verbose = str(SpamProtectionSettings._meta.verbose_name)
    assert honeypot.message == ("Ihre Eingabe konnte nicht gespeichert werden. Bitte warten "
                                "Sie einen Moment und versuchen Sie es erneut.")
    assert limited.message == ("In kurzer Zeit wurde sehr viel gesendet. Bitte warten Sie "
                               "55 Minuten und versuchen Sie es dann erneut.")
    assert "1 Minute und" in limited_one.message
    assert "Bitte lassen Sie dieses Feld leer." in label
    assert verbose == "Spam-Schutz"
    english = " ".join(names + helps)
    for word in ("account", "hour", "address", "puzzle", "participants"):
        assert word not in english, english


class ProtectedForm(spam.SpamProtectedForm, forms.Form):
    text = forms.CharField(widget=forms.Textarea)


def test_form_fields_render_hidden_and_fresh(in_a):
    limits = spam.Limits()
    form = ProtectedForm(spam_limits=limits)
    html = form.as_div()
    assert 'class="spam-hp" aria-hidden="true"' in html
    honeypot = str(form[spam.HONEYPOT_FIELD])
    for attribute in ('tabindex="-1"', 'autocomplete="off"', 'aria-hidden="true"'):
        assert attribute in honeypot
    assert "required" not in honeypot
    assert 'data-pow="challenge"' in html and 'data-pow="payload"' in html
    # A re-rendered form: a new challenge, and neither the honeypot's nor the payload's
    # submitted values shown back.
    bound = ProtectedForm({"text": "Hallo", spam.HONEYPOT_FIELD: "gefüllt",
                           spam.PAYLOAD_FIELD: "alt", spam.CHALLENGE_FIELD: "{}"},
                          spam_limits=limits)
    assert bound.is_valid(), bound.errors
    assert "gefüllt" not in bound.as_div() and 'value="alt"' not in bound.as_div()
    assert bound[spam.CHALLENGE_FIELD].value() != form[spam.CHALLENGE_FIELD].value()
    assert json.loads(bound[spam.CHALLENGE_FIELD].value())["signature"]


def test_form_check_respects_the_prefix(in_a):
    limits = spam.Limits(per_address_with_pow=5, per_address_without_pow=1)
    form = ProtectedForm({"k-text": "x", f"k-{spam.PAYLOAD_FIELD}": solved()}, prefix="k",
                         spam_limits=limits)
    assert form.is_valid()
    verdict = form.spam_check(scope="dialog.comment", user=None, address="192.0.2.9", now=NOW)
    assert verdict.allowed and verdict.proof_of_work == spam.PowStatus.VALID
    trap = ProtectedForm({"k-text": "x", f"k-{spam.HONEYPOT_FIELD}": "x"}, prefix="k",
                         spam_limits=limits)
    assert trap.spam_check(scope="dialog.comment", address="192.0.2.9").reason == "honeypot"
