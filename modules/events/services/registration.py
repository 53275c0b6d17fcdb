"""Who holds a seat: register, confirm the address (double opt-in), cancel, the waiting
list moving up, holds that run out, and the organizer's promote and move.

Every operation here takes the event's lock first and reads the counts after it; the
whole story is in locking.py.
"""

from datetime import timedelta

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from beteiligung.participation.identity import client_key

from ..models import ACTIVE_STATUSES, Registration
from ..models import RegistrationStatus as S
from .errors import (
    DuplicateRegistration,
    EventBusy,
    EventError,
    FullyBooked,
    HoldExpired,
    InvalidRegistration,
    RegistrationClosed,
    TooManyOpenHolds,
)
from .locking import _lock_event, _locked_section
from .messaging import _after_commit
from .seats import _free_seats, _items_with_room, _seats_and_duplicate
from .validation import RegistrationData, _validate


def _verified(user, email_key):
    if user is None or not user.is_authenticated:
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=email_key, verified=True).exists()


def register(event, data: RegistrationData, user=None, now=None, client_address=None):
    """Register for ``event``: a seat (pending or confirmed), the waiting list, or a refusal.

    ``client_address`` is the client's IP address (participation.identity.client_address): its open holds
    are limited (see the locking notes in locking.py). Raises an EventError subclass with a German
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
