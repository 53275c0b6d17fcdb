"""Spam protection for every form where the public writes: no third-party service.

What is checked, in this order, by ``check()``:

1. **Honeypot.** A text field (``website``) that people neither see nor hear: it sits in
   a wrapper moved off-screen by CSS (``.spam-hp`` in portal.css), is ``aria-hidden``,
   out of the tab order and without autocomplete, and its label asks humans to leave it
   empty. Form-filling robots fill it; then nothing is saved and a neutral German
   message asks to wait and try again (never "you are a bot").
2. **Proof of work** (the ALTCHA protocol, classic "v1": find ``number`` <= ``maxNumber``
   with ``SHA-256(salt + number) == challenge``; the server signs ``challenge`` with an
   HMAC, so it keeps no state per challenge). The form carries a fresh challenge; the
   script ``static/beteiligung/pow.js`` solves it in the page while the person types and
   puts the payload into a hidden field. The server verifies it with the ``altcha``
   library. The HMAC key is derived from SECRET_KEY *and* the tenant's schema, so a
   solution made at tenant A is invalid at tenant B. A challenge expires after
   ``CHALLENGE_LIFETIME`` (the expiry is inside the signed salt), and a solved payload
   counts once: its salt is remembered in Django's default cache (shared by all
   processes) until it would expire anyway; ``cache.add`` makes that atomic.
   The proof of work never refuses anything by itself: it only buys a larger allowance.
3. **Rate limits** per scope (``"dialog.contribution"``, ``"dialog.comment"``, ...),
   counted in fixed windows of one hour in the default cache (keys carry the schema):
   - a logged-in participant is counted per *account* (an account is a strong identity:
     e-mail confirmed, sign-ups rate limited), however many people share their network;
   - anyone else is counted per *address* (the client's IP address, IPv6 grouped by /64,
     which one machine usually has whole; only an HMAC of it is kept), with the larger
     allowance when a valid proof of work came along, the smaller one when not.
   Fixed windows: the count resets on the full hour, so a burst across the boundary may
   reach twice the limit; in exchange one counter per window and an exact
   "try again in N minutes". Increments are atomic on every cache backend: each post
   claims a numbered slot with ``cache.add`` (the database cache's ``incr`` is a read
   and a write, so two processes may draw the same number; only one gets its slot).

Why a real participant is never blocked: the defaults (``SpamProtectionSettings``, per
tenant in the Wagtail admin under Settings) are far above what a person writes in an
hour (30 per account; 60 per address with the proof of work, enough for an office
behind one router; 10 without), ratings count at a tenth (``SCOPE_FACTORS``), the proof
of work takes about a second in the background and never holds up the submit button,
and a refusal says how many minutes to wait. What was typed stays in the form.

Without JavaScript (or with an old browser without ``crypto.subtle``, or when someone
submits before the puzzle is solved) the form still works: no payload arrives, and the
stricter per-address limit applies. Calls without an account and without an address
(the portal itself: admin, tasks, shell) are not limited.

Use in a view (the lead wires it into the modules)::

    limits = spam.limits_for_request(request)          # one query, cached on the request
    form = ContributionForm(request.POST or None, spam_limits=limits)
    if request.method == "POST" and form.is_valid():
        verdict = form.spam_check(scope="dialog.contribution", user=request.user,
                                  address=client_address(request))
        if not verdict.allowed:
            form.add_error(None, verdict.message)     # status 429 and Retry-After if wanted
        else:
            ...save...

and in the template, once per page that has such a form::

    <script src="{% static 'beteiligung/pow.js' %}" defer></script>
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import altcha
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .identity import client_key

# Names of the form fields (and of the keys ``check()`` reads from the submitted data).
HONEYPOT_FIELD = "website"
CHALLENGE_FIELD = "pow_challenge"
PAYLOAD_FIELD = "pow_payload"

CHALLENGE_LIFETIME = timedelta(minutes=30)
WINDOW_SECONDS = 3600
ALGORITHM = "SHA-256"
# Longest payload looked at (a real one is about 300 characters).
MAX_PAYLOAD_CHARS = 2000

DEFAULT_PER_ACCOUNT = 30
DEFAULT_PER_ADDRESS_WITH_POW = 60
DEFAULT_PER_ADDRESS_WITHOUT_POW = 10
# About 25,000 hashes on average: a second or so in a phone's browser.
DEFAULT_POW_MAX_NUMBER = 50_000
POW_MAX_NUMBER_RANGE = (1_000, 1_000_000)

# Scopes whose allowance is a multiple of the configured one: a participant may rate
# dozens of contributions in a row, and a rating carries no text.
SCOPE_FACTORS = {"dialog.rating": 10}
_SCOPE_RE = re.compile(r"^[a-z0-9_.-]{1,50}$")
# The HMAC scope of address keys (identity.client_key): the limits' own, apart from the events'.
ADDRESS_SCOPE = "beteiligung.spam.address"


class PowStatus:
    """How a submitted proof-of-work payload was judged."""

    VALID = "valid"
    MISSING = "missing"
    INVALID = "invalid"  # not ours: malformed, wrong signature, another tenant, tampered
    EXPIRED = "expired"
    REPLAYED = "replayed"  # valid, but already used once


@dataclass(frozen=True)
class Limits:
    """Allowances per hour and scope, and the proof of work's difficulty."""

    per_account: int = DEFAULT_PER_ACCOUNT
    per_address_with_pow: int = DEFAULT_PER_ADDRESS_WITH_POW
    per_address_without_pow: int = DEFAULT_PER_ADDRESS_WITHOUT_POW
    pow_max_number: int = DEFAULT_POW_MAX_NUMBER

    def for_scope(self, scope: str) -> Limits:
        factor = SCOPE_FACTORS.get(scope, 1)
        if factor == 1:
            return self
        return Limits(self.per_account * factor, self.per_address_with_pow * factor,
                      self.per_address_without_pow * factor, self.pow_max_number)


@dataclass(frozen=True)
class Verdict:
    """``allowed`` False: save nothing, show ``message`` (German, for the person) above
    the form and keep what was typed; ``retry_after`` seconds suit a Retry-After header.
    ``reason``: "ok", "honeypot", "account_limit" or "address_limit" (for logs and tests);
    ``proof_of_work``: a ``PowStatus`` value."""

    allowed: bool
    reason: str
    message: str = ""
    retry_after: int = 0
    proof_of_work: str = PowStatus.MISSING

    def __bool__(self):
        return self.allowed


# --- Per-tenant settings ------------------------------------------------------------------

def _limit_field(verbose_name, default, help_text):
    return models.PositiveIntegerField(
        verbose_name, default=default, help_text=help_text,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )


@register_setting(icon="warning")
class SpamProtectionSettings(BaseSiteSetting):
    """The tenant's allowances (per scope: contributions, comments, ... each count apart)."""

    posts_per_account_per_hour = _limit_field(
        _("entries per account and hour"), DEFAULT_PER_ACCOUNT,
        _("For logged-in participants. Ratings count at a tenth."))
    posts_per_address_per_hour_with_pow = _limit_field(
        _("entries per network address and hour (with JavaScript)"), DEFAULT_PER_ADDRESS_WITH_POW,
        _("For participants without an account whose browser solved the background "
          "puzzle. Everyone in an office or a school may share one address."))
    posts_per_address_per_hour_without_pow = _limit_field(
        _("entries per network address and hour (without JavaScript)"),
        DEFAULT_PER_ADDRESS_WITHOUT_POW,
        _("For participants without an account whose browser did not solve the puzzle "
          "(JavaScript switched off, or sent very quickly)."))
    pow_max_number = models.PositiveIntegerField(
        _("difficulty of the background puzzle"), default=DEFAULT_POW_MAX_NUMBER,
        validators=[MinValueValidator(POW_MAX_NUMBER_RANGE[0]),
                    MaxValueValidator(POW_MAX_NUMBER_RANGE[1])],
        help_text=_("Largest number the browser may have to try. 50,000 takes about a "
                    "second on a phone; twice the number, twice the time."))

    panels = [
        MultiFieldPanel([
            FieldPanel("posts_per_account_per_hour"),
            FieldPanel("posts_per_address_per_hour_with_pow"),
            FieldPanel("posts_per_address_per_hour_without_pow"),
        ], heading=_("Rate limits")),
        FieldPanel("pow_max_number"),
    ]

    class Meta:
        app_label = "beteiligung"
        verbose_name = _("spam protection")

    def limits(self) -> Limits:
        return Limits(self.posts_per_account_per_hour, self.posts_per_address_per_hour_with_pow,
                      self.posts_per_address_per_hour_without_pow, self.pow_max_number)


def limits_for_request(request) -> Limits:
    """The tenant's limits for the request's site, from the per-process cache (cache.py:
    dropped in this process when the setting is saved, elsewhere after
    TENANT_CACHE_SECONDS), so a page with a form pays no query for them."""
    from wagtail.models import Site

    site = getattr(request, "_wagtail_site", None) or Site.find_for_request(request)
    if site is None:
        return Limits()
    return limits_for_site(site)


def limits_for_site(site) -> Limits:
    from .cache import cached

    return cached(("spam_limits", site.pk), lambda: SpamProtectionSettings.for_site(site).limits())


# --- Proof of work ------------------------------------------------------------------------

def _pow_key() -> bytes:
    """The HMAC key of this tenant's challenges: a solution is valid at one tenant only."""
    message = f"beteiligung.spam.pow:{connection.schema_name}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest().encode()


def new_challenge(max_number: int = DEFAULT_POW_MAX_NUMBER, *, now: datetime | None = None) -> str:
    """A fresh signed challenge as JSON (what the hidden challenge field carries)."""
    low, high = POW_MAX_NUMBER_RANGE
    now = now or timezone.now()
    challenge = altcha.create_challenge_v1(
        algorithm=ALGORITHM, max_number=min(max(int(max_number), low), high),
        hmac_key=_pow_key(), expires=now + CHALLENGE_LIFETIME,
    )
    return json.dumps(challenge.to_dict(), separators=(",", ":"))


def _decode_payload(payload: str):
    """The payload's fields, or None where it is not even shaped like one of ours."""
    if len(payload) > MAX_PAYLOAD_CHARS:
        return None
    try:
        data = json.loads(base64.b64decode(payload, validate=True).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("algorithm") != ALGORITHM:
        return None
    if not all(isinstance(data.get(key), str) for key in ("challenge", "salt", "signature")):
        return None
    number = data.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= POW_MAX_NUMBER_RANGE[1]:
        return None
    return {key: data[key] for key in ("algorithm", "challenge", "number", "salt", "signature")}


def verify_proof_of_work(payload: str, *, now: datetime | None = None) -> str:
    """Judge a payload (a ``PowStatus`` value). A VALID payload is used up by this call:
    the next call with it answers REPLAYED."""
    if not payload:
        return PowStatus.MISSING
    data = _decode_payload(str(payload).strip())
    if data is None:
        return PowStatus.INVALID
    ok, _error = altcha.verify_solution_v1(data, _pow_key(), check_expires=False)
    if not ok:
        return PowStatus.INVALID
    # The expiry is part of the signed salt (one "expires" parameter, as we made it).
    expires = altcha.extract_params_v1(data).get("expires") or []
    try:
        (expires_at,) = (int(value) for value in expires)
    except ValueError:
        return PowStatus.INVALID
    remaining = expires_at - (now or timezone.now()).timestamp()
    if remaining <= 0:
        return PowStatus.EXPIRED
    salt_hash = hashlib.sha256(data["salt"].encode()).hexdigest()
    if not cache.add(f"spam:pow-used:{connection.schema_name}:{salt_hash}", 1, math.ceil(remaining) + 1):
        return PowStatus.REPLAYED
    return PowStatus.VALID


# --- Rate limits --------------------------------------------------------------------------

def address_key(address: str) -> str:
    """A keyed hash of the client's network (the IPv4 address, or the IPv6 /64), never the
    address itself: identity.client_key in the spam limits' own scope. "" when no address
    was given; an unreadable one falls into one shared bucket, so garbage can never switch
    the limit off."""
    return client_key(address, scope=ADDRESS_SCOPE)


def _take(key: str, limit: int, ttl: int) -> bool:
    """Claim one of ``limit`` numbered slots of the window ``key``; False when all are taken.

    ``cache.incr`` draws the next number (atomic with Redis; with the database cache a read
    and a write, so two processes may draw the same one) and ``cache.add`` claims its slot,
    which only one process can: never more than ``limit`` claims, on any backend."""
    cache.add(key, 0, ttl)
    for _attempt in range(limit + 1):
        try:
            number = cache.incr(key)
        except ValueError:  # the window's counter expired in between
            cache.add(key, 0, ttl)
            continue
        if number > limit:
            return False
        if cache.add(f"{key}#{number}", 1, ttl):
            return True
    return False


def _is_account(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.pk is not None


def _too_many(reason, retry_after, proof_of_work):
    minutes = max(1, math.ceil(retry_after / 60))
    message = ngettext(
        "Many entries have been sent in a short time. Please wait %(minutes)s minute "
        "and try again.",
        "Many entries have been sent in a short time. Please wait %(minutes)s minutes "
        "and try again.",
        minutes,
    ) % {"minutes": minutes}
    return Verdict(False, reason, message, retry_after, proof_of_work)


def check(data, *, scope: str, user=None, address: str | None = None, limits: Limits,
          now: datetime | None = None) -> Verdict:
    """Judge one submission of a public form (see the module docstring).

    ``data``: the submitted fields (``request.POST``, or a dict) holding HONEYPOT_FIELD and
    PAYLOAD_FIELD under those names (``SpamProtectedForm.spam_check`` maps a form prefix).
    ``scope``: what is posted, e.g. "dialog.contribution"; each scope counts apart.
    ``user``: the request's user (anonymous or None: counted per address).
    ``address``: the client's IP address as the caller determined it (trusted proxies);
    None or "" together with no account: not limited (the portal itself posting).
    ``limits``: ``limits_for_request(request)`` or explicit ``Limits``.
    Call it after the form is valid and right before saving: an allowed verdict has
    counted the post and used up its proof of work."""
    if not _SCOPE_RE.match(scope):
        raise ValueError(f"spam scope must match {_SCOPE_RE.pattern}: {scope!r}")
    now = now or timezone.now()
    if str(data.get(HONEYPOT_FIELD) or "").strip():
        return Verdict(False, "honeypot",
                       gettext("Your entry could not be saved. Please wait a moment and try again."),
                       0, PowStatus.MISSING)
    proof_of_work = verify_proof_of_work(str(data.get(PAYLOAD_FIELD) or ""), now=now)
    limits = limits.for_scope(scope)
    if _is_account(user):
        kind, subject, limit = "account", str(user.pk), limits.per_account
    elif address:
        kind, subject = "address", address_key(address)
        limit = (limits.per_address_with_pow if proof_of_work == PowStatus.VALID
                 else limits.per_address_without_pow)
    else:
        return Verdict(True, "ok", proof_of_work=proof_of_work)
    timestamp = int(now.timestamp())
    window = timestamp // WINDOW_SECONDS
    retry_after = (window + 1) * WINDOW_SECONDS - timestamp
    # With and without proof of work count apart: a participant who used up the smaller
    # allowance without JavaScript still has the larger one with it, and vice versa.
    tier = "pow" if kind == "address" and proof_of_work == PowStatus.VALID else "plain"
    key = f"spam:{connection.schema_name}:{scope}:{kind}:{tier}:{subject}:{window}"
    if not _take(key, limit, retry_after + 60):
        return _too_many(f"{kind}_limit", retry_after, proof_of_work)
    return Verdict(True, "ok", proof_of_work=proof_of_work)


# --- Form fields --------------------------------------------------------------------------

class HoneypotInput(forms.TextInput):
    """A text input in an off-screen wrapper, hidden from screen readers and the tab order.
    It counts as a hidden widget, so forms render it without a visible label of their own,
    and it never shows a value back."""

    is_hidden = True

    def format_value(self, value):
        return None

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "autocomplete": "off", "tabindex": "-1", "aria-hidden": "true"}
        attrs.pop("required", None)
        field = super().render(name, None, attrs, renderer)
        label_for = format_html(' for="{}"', attrs["id"]) if attrs.get("id") else ""
        return format_html('<div class="spam-hp" aria-hidden="true"><label{}>{}</label>{}</div>',
                           label_for, gettext("Please leave this field empty."), field)


class PayloadInput(forms.HiddenInput):
    """Filled by pow.js; never rendered with a value (a payload counts once)."""

    def format_value(self, value):
        return None


class SpamProtectedForm:
    """Mixin for a Django form (``class F(SpamProtectedForm, forms.Form)`` or ModelForm):
    adds the honeypot, the challenge (a fresh one per rendering) and the payload field.

    ``spam_limits`` (keyword, required): ``limits_for_request(request)``; ``challenge``:
    what the challenge field shows instead of a new challenge (a hole in a page that is
    rendered once and given a new challenge per request)."""

    def __init__(self, *args, spam_limits: Limits, challenge: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.spam_limits = spam_limits
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            required=False, strip=False, label=_("Please leave this field empty."),
            widget=HoneypotInput)
        # Disabled: the submitted value is ignored (the payload carries the challenge),
        # so a re-rendered form always shows the new one.
        self.fields[CHALLENGE_FIELD] = forms.CharField(
            required=False, disabled=True,
            initial=challenge or new_challenge(spam_limits.pow_max_number),
            widget=forms.HiddenInput(attrs={"data-pow": "challenge"}))
        self.fields[PAYLOAD_FIELD] = forms.CharField(
            required=False, strip=False, widget=PayloadInput(attrs={"data-pow": "payload"}))

    def spam_check(self, *, scope: str, user=None, address: str | None = None,
                   now: datetime | None = None) -> Verdict:
        """``check()`` of this form's submitted data (form prefixes respected)."""
        data = {name: self.data.get(self.add_prefix(name)) for name in (HONEYPOT_FIELD, PAYLOAD_FIELD)}
        return check(data, scope=scope, user=user, address=address, limits=self.spam_limits, now=now)
