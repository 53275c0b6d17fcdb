"""Operations of the events module. Each is one transaction and is what views, admin,
tasks and tests call.

Locking (the whole story, in one place):
* Every operation that can change who holds a seat (register, confirm, cancel,
  expire, promote, move) or the event's state (cancel_event, event_changed,
  apply_retention) first locks the event's state row (the participation core's
  ProcedureState, a row of its own that Wagtail publishing never writes; see
  beteiligung/participation/locking.py for the lock order) with SELECT ... FOR UPDATE, reads the page's
  settings in the same statement, and only then reads the counts it decides on.
  Checking capacity before taking the lock is the race that lets other platforms
  overbook; here the check comes after it, inside the same transaction. Editors
  publishing the page write the page rows, not the state row: they never wait for a
  rush, a rush never waits for them, and a page loaded before a cancellation cannot
  bring the event back when it is published.
* The locked section runs with ``SET LOCAL lock_timeout`` (PROCEDURE_LOCK_TIMEOUT_MS,
  default 3 s): one stuck transaction cannot make every thread of every tenant wait.
  Whoever waits longer is rolled back (nothing half-saved) and gets EventBusy, a
  German "please try again in a moment".
* Programme items are locked after their event, in primary-key order.
* ``move`` locks both events in primary-key order, so two opposite moves cannot
  deadlock.
* The partial unique index on (event, email_key) for active registrations backs
  the duplicate check at the database level.
* Open holds per client (seat exhaustion by one machine): each unconfirmed
  registration stores a keyed hash (HMAC with SECRET_KEY) of the client's network,
  IPv4 address or IPv6 /64, never the address. Inside the lock, one count over a
  small partial index says how many unconfirmed registrations (pending or waiting
  list) that client already has for this event; beyond the event's
  ``max_open_holds_per_client`` (default 3, empty = no limit) it is refused. A
  confirmation frees the slot at once (the hash is then cleared), an expired hold
  too. The client address is REMOTE_ADDR, or, when REMOTE_ADDR is one of
  TRUSTED_PROXIES, the rightmost X-Forwarded-For address not itself a trusted proxy
  (participation.identity.client_address): behind a reverse proxy, TRUSTED_PROXIES must name it, or
  all citizens count as one client. Per e-mail address there is one registration anyway.
E-mails are sent after commit, through background tasks, never from inside a lock.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from beteiligung.participation import links, locking, retention
from beteiligung.participation.identity import MAX_EMAIL, client_key, normalize_email
from beteiligung.participation.state import ProcedureState
from beteiligung.participation.text import clean_text, one_line, single_line_error

from . import page_cache
from .models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    EventPage,
    ProgrammeItem,
    QuestionKind,
    Registration,
    RegistrationStatus,
    new_ticket_code,
    new_token,
)

S = RegistrationStatus
MAX_ANSWER = 5000


class EventError(Exception):
    """A refusal with a message for the person in front of the screen (German UI)."""

    code = "error"

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class RegistrationClosed(EventError):
    code = "closed"


class FullyBooked(EventError):
    code = "full"


class DuplicateRegistration(EventError):
    """The address is registered for the event already.

    Unless ``own_address`` (a logged-in user's own confirmed address), the public answer
    must be the one a new registration gets (``waitlisted`` says which), so that nobody
    can find out whether an address is registered; its owner is told by e-mail instead.
    """

    code = "duplicate"

    def __init__(self, message, errors=None, waitlisted=False):
        super().__init__(message, errors)
        self.waitlisted = waitlisted
        self.own_address = False


class InvalidRegistration(EventError):
    code = "invalid"


class LinkInvalid(EventError):
    code = "link"


class HoldExpired(EventError):
    code = "expired"


class TooManyOpenHolds(EventError):
    code = "holds"


class EventBusy(EventError):
    """The event's lock was not free within PROCEDURE_LOCK_TIMEOUT_MS; nothing was saved."""

    code = "busy"


# --- Validation -------------------------------------------------------------------------


def validate_answers(event, raw_answers):
    """Check the answers against the event's questions; return (answers, errors)."""
    answers, errors = {}, {}
    for question in event.question_list:
        value = raw_answers.get(question.key)
        if question.kind == QuestionKind.CHECKBOX:
            value = bool(value) and value not in ("0", "false", "off")
            if question.required and not value:
                errors[question.key] = _("Please confirm this.")
        elif question.kind == QuestionKind.MULTIPLE_CHOICE:
            values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
            values = [v for v in values if v]
            if any(v not in question.choice_list for v in values):
                errors[question.key] = _("Please choose from the given options.")
            elif question.required and not values:
                errors[question.key] = _("Please choose at least one option.")
            value = values
        elif question.kind == QuestionKind.SINGLE_CHOICE:
            value = value or ""
            if value and value not in question.choice_list:
                errors[question.key] = _("Please choose from the given options.")
            elif question.required and not value:
                errors[question.key] = _("Please choose an option.")
        else:
            limit = 300 if question.kind == QuestionKind.SHORT_TEXT else MAX_ANSWER
            text = str(value or "")
            if len(text) > limit:
                errors[question.key] = _("Please use at most %(n)s characters.") % {"n": limit}
            elif question.kind == QuestionKind.SHORT_TEXT and single_line_error(text):
                errors[question.key] = single_line_error(text)
            value = clean_text(text, limit)
            if question.required and not value:
                errors[question.key] = _("Please answer this question.")
        answers[question.key] = {"question": question.label, "value": value}
    return answers, errors


@dataclass
class RegistrationData:
    name: str
    email: str
    privacy_consent: bool
    photo_consent: bool = False
    answers: dict = field(default_factory=dict)
    item_ids: list = field(default_factory=list)


def _validate(event, data, user):
    errors = {}
    name = clean_text(data.name, 0)
    if not name:
        errors["name"] = _("Please enter your name.")
    elif len(name) > 200:
        errors["name"] = _("Please use at most %(n)s characters.") % {"n": 200}
    elif single_line_error(data.name):
        errors["name"] = single_line_error(data.name)
    email = email_key = None
    try:
        email, email_key = normalize_email(data.email)
    except ValidationError as error:
        errors["email"] = (
            _("This e-mail address is too long (at most %(n)s characters).") % {"n": MAX_EMAIL}
            if error.code == "too_long" else _("Please enter a valid e-mail address.")
        )
    if not data.privacy_consent:
        errors["privacy_consent"] = _("Please agree to the privacy notice.")
    answers, answer_errors = validate_answers(event, data.answers or {})
    errors.update(answer_errors)
    item_ids = []
    for raw in data.item_ids or []:
        if not str(raw).isdigit():
            errors["items"] = _("Please choose from the given programme items.")
            break
        item_ids.append(int(raw))
    if errors:
        raise InvalidRegistration(_("Please correct the marked fields."), errors)
    return name, email, email_key, answers, sorted(set(item_ids))


def _verified(user, email_key):
    if user is None or not user.is_authenticated:
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=email_key, verified=True).exists()


# --- Locking helpers ----------------------------------------------------------------------


LOCKED_FIELDS = (
    "title", "starts_at", "ends_at", "event_start", "event_end", "capacity", "waitlist_enabled",
    "hold_minutes", "registration_enabled", "photo_consent_text", "max_open_holds_per_client",
)


def _locked_section():
    """The core's locked section (participation/locking.py), answering EventBusy."""
    return locking.locked_section(
        busy=EventBusy,
        message=_("Very many people are registering right now. Please try again in a moment."),
    )


def _lock_event(event_id):
    """Lock the event's state row (the core's lock) and return the event with its
    settings and state (``event.state``) read fresh, after taking the lock."""
    return locking.lock_procedure(EventPage, event_id, LOCKED_FIELDS)


def seats_taken(event):
    return Registration.objects.filter(event=event, status__in=SEAT_STATUSES).count()


def _seats_and_duplicate(event, email_key, client_key=None):
    """Seats taken, whether the address is registered already and the client's open holds
    (unconfirmed registrations; 0 without a client_key): one round trip, because it runs
    while the event lock is held and every round trip there is on the queue."""
    table = connection.ops.quote_name(Registration._meta.db_table)
    seat = ", ".join(f"'{s}'" for s in SEAT_STATUSES)
    active = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
    # The predicate of the partial index events_reg_open_by_client (models.py).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {table} WHERE event_id = %s AND status IN ({seat})),"
            f" EXISTS (SELECT 1 FROM {table} WHERE event_id = %s AND email_key = %s"
            f" AND status IN ({active})),"
            f" (SELECT count(*) FROM {table} WHERE event_id = %s AND client_key = %s"
            f" AND status IN ('pending', 'waitlisted') AND email_confirmed_at IS NULL)",
            [event.pk, event.pk, email_key, event.pk, client_key],
        )
        return cursor.fetchone()


def _free_seats(event):
    if event.capacity is None:
        return None
    return max(event.capacity - seats_taken(event), 0)


def _items_with_room(event, item_ids, exclude_registration=None):
    """Lock the chosen programme items and return (items, full_items)."""
    if not item_ids:
        return [], []
    items = list(
        ProgrammeItem.objects.select_for_update().filter(event=event, pk__in=item_ids).order_by("pk")
    )
    if len(items) != len(item_ids):
        raise InvalidRegistration(
            _("Please correct the marked fields."),
            {"items": _("Please choose from the given programme items.")},
        )
    limited = [item for item in items if item.capacity is not None]
    taken = {}
    if limited:
        qs = Registration.objects.filter(
            programme_items__in=limited, status__in=SEAT_STATUSES
        )
        if exclude_registration is not None:
            qs = qs.exclude(pk=exclude_registration.pk)
        taken = dict(qs.values_list("programme_items").annotate(n=Count("id")))
    full = [item for item in limited if taken.get(item.pk, 0) >= item.capacity]
    return items, full


def _after_commit(kind, registration_ids):
    from . import tasks

    ids = list(registration_ids)
    if ids:
        transaction.on_commit(lambda: tasks.send_registration_mails.enqueue(kind, ids))


# --- Registration ---------------------------------------------------------------------


def register(event, data: RegistrationData, user=None, now=None, client_address=None):
    """Register for ``event``: a seat (pending or confirmed), the waiting list, or a refusal.

    ``client_address`` is the client's IP address (participation.identity.client_address): its open holds
    are limited (see the locking notes above). Raises an EventError subclass with a German
    message; nothing is saved then.
    """
    name, email, email_key, answers, item_ids = _validate(event, data, user)
    verified = _verified(user, email_key)
    if event.account_required and not verified:
        raise InvalidRegistration(
            _("This event requires a user account with this confirmed e-mail address. "
              "Please log in first.")
        )
    try:
        with _locked_section():
            now = now or timezone.now()
            locked = _lock_event(event.pk)
            _check_open(locked, now)
            _expire_holds_locked(locked, now)
            key = "" if verified else client_key(client_address)
            taken, duplicate, open_holds = _seats_and_duplicate(locked, email_key, key or None)
            if duplicate and verified:
                raise DuplicateRegistration(_duplicate_message())
            limit = locked.max_open_holds_per_client
            if key and limit is not None and open_holds >= limit:
                raise TooManyOpenHolds(_(
                    "From your internet connection there are already %(n)s registrations for "
                    "this event that have not been confirmed by e-mail. Please confirm them "
                    "first with the link in the e-mail, or try again later."
                ) % {"n": open_holds})
            items, full_items = _items_with_room(locked, item_ids)
            has_seat = locked.capacity is None or taken < locked.capacity
            if duplicate and (locked.waitlist_enabled or has_seat) and not (has_seat and full_items):
                # Answered like a new registration would be (see DuplicateRegistration).
                raise DuplicateRegistration(_duplicate_message(), waitlisted=not has_seat)
            if has_seat and full_items:
                raise FullyBooked(
                    _("Please correct the marked fields."),
                    {"items": _("Fully booked: %(items)s. Please choose other programme items.")
                     % {"items": ", ".join(i.title for i in full_items)}},
                )
            if not has_seat and not locked.waitlist_enabled:
                raise FullyBooked(_("This event is fully booked. Unfortunately no more "
                                    "registrations are possible."))
            registration = Registration(
                event=locked, name=name, email=email, email_key=email_key,
                user=user if verified else None, answers=answers,
                photo_consent=bool(data.photo_consent and locked.photo_consent_text),
                privacy_consent_at=now, created_at=now, client_key=key,
            )
            if verified:
                registration.email_confirmed_at = now
            if not has_seat:
                registration.status = S.WAITLISTED
            elif verified:
                registration.status = S.CONFIRMED
                registration.confirmed_at = now
            else:
                registration.status = S.PENDING
                registration.hold_expires_at = now + timedelta(minutes=locked.hold_minutes)
            registration.save()
            if items:
                registration.programme_items.set(items)
            _after_commit("registered", [registration.pk])
    except IntegrityError:
        # The unique index caught a duplicate that raced past the check.
        duplicate = DuplicateRegistration(_duplicate_message())
    except DuplicateRegistration as error:
        duplicate = error
    else:
        return registration
    duplicate.own_address = verified
    if not verified:
        _tell_owner_of_attempt(event, email_key)
    raise duplicate


def _tell_owner_of_attempt(event, email_key):
    """Someone tried to register an address that is registered already: its owner gets
    an e-mail with the link to the registration; the person at the form learns nothing."""
    existing = (
        Registration.objects.filter(event_id=event.pk, email_key=email_key,
                                    status__in=ACTIVE_STATUSES)
        .values_list("pk", flat=True).first()
    )
    if existing:
        _after_commit("duplicate_attempt", [existing])


def _duplicate_message():
    return _("This e-mail address is already registered for this event. Please use the "
             "link in the e-mail you received to view or cancel your registration.")


def _check_open(event, now):
    state = event.registration_state(now)
    if state == "open":
        return
    messages = {
        "cancelled": _("This event has been cancelled."),
        "disabled": _("Registration for this event is not available online."),
        "not_yet": _("Registration opens on %(date)s.") % {
            "date": timezone.localtime(event.starts_at).strftime("%d.%m.%Y, %H:%M Uhr")
            if event.starts_at else ""},
        "closed": _("Registration for this event has closed."),
    }
    raise RegistrationClosed(messages[state])


def confirm_email(registration, now=None):
    """The participant followed the link in the e-mail (double opt-in)."""
    with _locked_section():
        now = now or timezone.now()
        locked = _lock_event(registration.event_id)
        _expire_holds_locked(locked, now)  # committed even if this confirmation is refused
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != S.CANCELLED:
            if registration.email_confirmed_at is None:
                registration.email_confirmed_at = now
            registration.client_key = ""  # needed only while unconfirmed
            kind = None
            if registration.status == S.PENDING:
                registration.status = S.CONFIRMED
                registration.confirmed_at = now
                registration.hold_expires_at = None
                kind = "confirmed"
            elif registration.status == S.WAITLISTED:
                kind = "waitlist_confirmed"
            registration.save()
            if kind:
                _after_commit(kind, [registration.pk])
    if registration.status == S.CANCELLED:
        if registration.cancel_reason == "expired":
            raise HoldExpired(_("Your reservation has expired because it was not confirmed "
                                "in time. Please register again."))
        raise EventError(_("This registration has been cancelled."))
    return registration


def cancel(registration, *, reason="participant", now=None):
    """Cancel a registration; a freed seat goes to the waiting list, exactly once."""
    with _locked_section():
        now = now or timezone.now()
        locked = _lock_event(registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == S.CANCELLED:
            return registration, []
        if registration.status == S.ATTENDED:
            raise EventError(_("This participant has already checked in."))
        registration.status = S.CANCELLED
        registration.cancelled_at = now
        registration.cancel_reason = reason
        registration.hold_expires_at = None
        registration.save()
        promoted = _promote_locked(locked, now)
        _after_commit("cancelled", [registration.pk])
    return registration, promoted


def _promote_locked(event, now, limit=None):
    """Fill free seats from the waiting list in order. Caller holds the event lock."""
    free = _free_seats(event)
    if free is None:
        free = Registration.objects.filter(event=event, status=S.WAITLISTED).count()
    if limit is not None:
        free = min(free, limit)
    if free <= 0:
        return []
    candidates = list(
        Registration.objects.select_for_update()
        .filter(event=event, status=S.WAITLISTED)
        .order_by("created_at", "id")[:free]
    )
    for registration in candidates:
        registration.promoted_at = now
        if registration.email_confirmed_at:
            registration.status = S.CONFIRMED
            registration.confirmed_at = now
        else:
            registration.status = S.PENDING
            registration.hold_expires_at = now + timedelta(minutes=event.hold_minutes)
        registration.save()
        _drop_full_items(event, registration)
    _after_commit("promoted", [r.pk for r in candidates])
    return candidates


def _drop_full_items(event, registration):
    chosen = list(registration.programme_items.values_list("pk", flat=True))
    if chosen:
        _items, full = _items_with_room(event, chosen, exclude_registration=registration)
        if full:
            registration.programme_items.remove(*full)


def _expire_holds_locked(event, now):
    """Release unconfirmed holds that ran out (one UPDATE) and refill from the waiting list."""
    expired = Registration.objects.filter(
        event=event, status=S.PENDING, hold_expires_at__lte=now
    ).update(status=S.CANCELLED, cancelled_at=now, cancel_reason="expired")
    if expired:
        _promote_locked(event, now)
    return expired


def expire_holds(now=None):
    """Free the seats of unconfirmed holds in all events of the current tenant."""
    now = now or timezone.now()
    event_ids = set(
        Registration.objects.filter(status=S.PENDING, hold_expires_at__lte=now)
        .values_list("event_id", flat=True)
    )
    count = 0
    for event_id in sorted(event_ids):
        try:
            with _locked_section():
                count += _expire_holds_locked(_lock_event(event_id), now)
        except EventBusy:
            continue  # the next run (every minute) frees them; the register path does too
    return count


def promote(registration, *, force=False, now=None):
    """Organizer: move one person from the waiting list up (beyond capacity with force)."""
    with _locked_section():
        now = now or timezone.now()
        locked = _lock_event(registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != S.WAITLISTED:
            raise EventError(_("Only registrations on the waiting list can be promoted."))
        free = _free_seats(locked)
        if free == 0 and not force:
            raise FullyBooked(_("There is no free seat. Promote anyway to exceed the capacity."))
        registration.status = S.CONFIRMED
        registration.confirmed_at = now
        registration.promoted_at = now
        registration.email_confirmed_at = registration.email_confirmed_at or now
        registration.save()
        _after_commit("promoted", [registration.pk])
    return registration


def move(registration, target, *, now=None):
    """Organizer: move a registration to another event of the same portal."""
    if target.pk == registration.event_id:
        raise EventError(_("The registration already belongs to this event."))
    with _locked_section():
        now = now or timezone.now()
        first, second = sorted([registration.event_id, target.pk])
        locked = {first: _lock_event(first), second: _lock_event(second)}
        source, target = locked[registration.event_id], locked[target.pk]
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status not in ACTIVE_STATUSES or registration.status == S.ATTENDED:
            raise EventError(_("Only active registrations can be moved."))
        if Registration.objects.filter(event=target, email_key=registration.email_key,
                                       status__in=ACTIVE_STATUSES).exists():
            raise DuplicateRegistration(_("This person is already registered for the other event."))
        free = _free_seats(target)
        if free == 0:
            raise FullyBooked(_("The other event is fully booked."))
        was_seat = registration.holds_seat
        registration.status = S.CANCELLED
        registration.cancelled_at = now
        registration.cancel_reason = "moved"
        registration.save()
        moved = Registration.objects.create(
            event=target, name=registration.name, email=registration.email,
            email_key=registration.email_key, user=registration.user,
            answers=registration.answers, photo_consent=registration.photo_consent,
            privacy_consent_at=registration.privacy_consent_at, created_at=now,
            email_confirmed_at=registration.email_confirmed_at,
            status=S.CONFIRMED, confirmed_at=now,
        )
        if was_seat:
            _promote_locked(source, now)
        _after_commit("moved", [moved.pk])
    return moved


# --- Check-in -----------------------------------------------------------------------------


@dataclass
class CheckInResult:
    ok: bool
    code: str
    message: str
    registration: Registration | None = None


def normalize_ticket_code(raw):
    return re.sub(r"[^A-Z0-9]", "", str(raw or "").upper())[:20]


def check_in(event, raw_code, now=None):
    """Mark a ticket as attended. A second check-in is reported, not counted twice."""
    code = normalize_ticket_code(raw_code)
    if not code:
        return CheckInResult(False, "empty", _("Please enter a ticket code."))
    with transaction.atomic():
        now = now or timezone.now()
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event").filter(ticket_code=code).first()
        )
        if registration is None:
            return CheckInResult(False, "unknown", _("Unknown ticket code."))
        if registration.event_id != event.pk:
            return CheckInResult(
                False, "other_event",
                _("This ticket belongs to another event: %(title)s.")
                % {"title": registration.event.title}, registration,
            )
        if registration.status == S.ATTENDED:
            when = timezone.localtime(registration.checked_in_at).strftime("%H:%M")
            return CheckInResult(
                False, "already",
                _("Already checked in at %(time)s: %(name)s.")
                % {"time": when, "name": registration.name}, registration,
            )
        if registration.status != S.CONFIRMED:
            messages = {
                S.PENDING: _("Registration not confirmed yet (e-mail confirmation missing)."),
                S.WAITLISTED: _("This person is on the waiting list and has no seat."),
                S.CANCELLED: _("This registration has been cancelled."),
            }
            return CheckInResult(False, registration.status, messages[registration.status],
                                 registration)
        registration.status = S.ATTENDED
        registration.checked_in_at = now
        registration.save(update_fields=["status", "checked_in_at"])
    return CheckInResult(True, "ok", _("Checked in: %(name)s.") % {"name": registration.name},
                         registration)


# --- Counts, messages ----------------------------------------------------------------------


def counts(event):
    """Registrations per status and free seats, in one query."""
    rows = dict(
        Registration.objects.filter(event=event).values_list("status").annotate(n=Count("id"))
    )
    result = {status: rows.get(status, 0) for status in S.values}
    taken = sum(result[s] for s in SEAT_STATUSES)
    result["seats_taken"] = taken
    result["free"] = None if event.capacity is None else max(event.capacity - taken, 0)
    return result


def message_participants(event, statuses, subject, body):
    """Send an e-mail to all participants of ``event`` in ``statuses``; returns the count."""
    subject, body = one_line(clean_text(subject, 200)), clean_text(body, 20000)
    statuses = [s for s in statuses if s in (S.CONFIRMED, S.WAITLISTED, S.PENDING, S.ATTENDED)]
    if not subject or not body or not statuses:
        raise InvalidRegistration(_("Please enter a subject, a text and the recipients."))
    ids = list(
        Registration.objects.filter(event=event, status__in=statuses, anonymized_at__isnull=True)
        .values_list("pk", flat=True)
    )
    from . import tasks

    with transaction.atomic():
        for start in range(0, len(ids), 200):
            chunk = ids[start:start + 200]
            transaction.on_commit(
                lambda chunk=chunk: tasks.send_custom_message.enqueue(chunk, subject, body)
            )
    return len(ids)


# --- Event changes --------------------------------------------------------------------------


def event_changed(event):
    """The organizer changed date, place or details: new SEQUENCE, updated .ics to everyone."""
    with _locked_section():
        locked = _lock_event(event.pk)
        state = locked.state
        state.sequence += 1
        state.save(update_fields=["sequence"])
        ids = list(Registration.objects.filter(
            event=locked, status__in=[S.CONFIRMED, S.PENDING]).values_list("pk", flat=True))
        _after_commit("event_updated", ids)
    event.state = state
    return len(ids)


def cancel_event(event, now=None):
    """Cancel the whole event: participants get METHOD:CANCEL calendar updates."""
    with _locked_section():
        now = now or timezone.now()
        locked = _lock_event(event.pk)
        state = locked.state
        if state.cancelled_at:
            return 0
        state.cancelled_at, state.sequence = now, state.sequence + 1
        state.save(update_fields=["cancelled_at", "sequence"])
        ids = list(Registration.objects.filter(
            event=locked, status__in=ACTIVE_STATUSES).values_list("pk", flat=True))
        _after_commit("event_cancelled", ids)
    event.state = state
    return len(ids)


# --- Signed links ---------------------------------------------------------------------------


LINK_PURPOSE = "events.registration"  # the tenant is in the salt too (links.py)


def signed_token(registration):
    return links.sign(LINK_PURPOSE, registration.token)


def registration_from_link(value):
    token = links.unsign(LINK_PURPOSE, value)
    if token is None:
        raise LinkInvalid(_("This link is invalid. Please use the complete link from your "
                            "e-mail."))
    registration = Registration.objects.filter(token=token).first()
    if registration is None or registration.anonymized_at:
        raise LinkInvalid(_("This registration no longer exists."))
    # The event as of its current version, from the per-process cache (one small query).
    found = page_cache.lookup(registration.event_id)
    if found is None:
        raise LinkInvalid(_("This registration no longer exists."))
    registration.event = found.page
    return registration


# --- Data protection ----------------------------------------------------------------------


ANONYMOUS = {"name": "", "email": "", "answers": {}, "user": None, "photo_consent": False,
             "client_key": ""}


def _anonymize(queryset, now):
    count = 0
    for registration in queryset.select_for_update():
        for key, value in ANONYMOUS.items():
            setattr(registration, key, value)
        registration.email_key = f"anonymized-{registration.pk}"
        registration.ticket_code = new_ticket_code()
        registration.token = new_token()
        registration.anonymized_at = now
        registration.save()
        registration.programme_items.clear()
        count += 1
    return count


def delete_own_registration(registration, now=None):
    """The participant asks for deletion: cancel (freeing the seat) and anonymize."""
    now = now or timezone.now()
    if registration.status in (S.PENDING, S.CONFIRMED, S.WAITLISTED):
        registration, _promoted = cancel(registration, reason="deleted", now=now)
    with transaction.atomic():
        _anonymize(Registration.objects.filter(pk=registration.pk), now)


def apply_retention(now=None):
    """Anonymize registrations of events that ended more than retention_days ago.

    Leaves only counts; every event handled gets a RetentionRun (the core's log) as proof.
    """
    now = now or timezone.now()
    runs = []
    due = [
        event for event in EventPage.objects.filter(
            state__personal_data_deleted_at__isnull=True, event_end__lt=now
        ).only("pk", "title", "event_end", "retention_days")
        if event.event_end + timedelta(days=event.retention_days) <= now
    ]
    for event in due:
        with _locked_section():
            locked = _lock_event(event.pk)
            status_counts = counts(locked)
            anonymized = _anonymize(
                Registration.objects.filter(event=locked, anonymized_at__isnull=True), now
            )
            ProcedureState.objects.filter(pk=locked.pk).update(personal_data_deleted_at=now)
            runs.append(retention.log_run(
                "events", locked, anonymized=anonymized, counts=status_counts, now=now,
            ))
    return runs


def registrations_over_time(event):
    """Registrations per day (all that were made, whatever their state now)."""
    from django.db.models.functions import TruncDate

    return list(
        Registration.objects.filter(event=event)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day").annotate(n=Count("id")).order_by("day")
    )

