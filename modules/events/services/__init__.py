"""Operations of the events module. Each is one transaction and is what views, admin,
tasks and tests call: ``from modules.events import services; services.register(...)``.

By concern:
  locking.py      the event's lock and the whole locking story (read it first)
  errors.py       EventError and its refusals, with German messages
  validation.py   what a registration form brings in, checked before any lock
  seats.py        who holds a seat, read while the lock is held
  registration.py register, confirm_email, cancel, promote, move, expire_holds
  messaging.py    e-mails after commit, messages to participants, event changed/cancelled
  checkin.py      ticket codes at the door
  links.py        signed links to a registration, bound to the tenant
  retention.py    deletion on request and anonymization after the event
  stats.py        counts per status, registrations over time
"""

from .checkin import CheckInResult, check_in, normalize_ticket_code
from .errors import (
    DuplicateRegistration,
    EventBusy,
    EventError,
    FullyBooked,
    HoldExpired,
    InvalidRegistration,
    LinkInvalid,
    RegistrationClosed,
    TooManyOpenHolds,
)
from .links import LINK_PURPOSE, registration_from_link, signed_token
from .locking import LOCKED_FIELDS
from .messaging import cancel_event, event_changed, message_participants
from .registration import cancel, confirm_email, expire_holds, move, promote, register
from .retention import ANONYMOUS, apply_retention, delete_own_registration
from .seats import seats_taken
from .stats import counts, registrations_over_time
from .validation import MAX_ANSWER, RegistrationData, validate_answers

__all__ = [
    "ANONYMOUS",
    "LINK_PURPOSE",
    "LOCKED_FIELDS",
    "MAX_ANSWER",
    "CheckInResult",
    "DuplicateRegistration",
    "EventBusy",
    "EventError",
    "FullyBooked",
    "HoldExpired",
    "InvalidRegistration",
    "LinkInvalid",
    "RegistrationClosed",
    "RegistrationData",
    "TooManyOpenHolds",
    "apply_retention",
    "cancel",
    "cancel_event",
    "check_in",
    "confirm_email",
    "counts",
    "delete_own_registration",
    "event_changed",
    "expire_holds",
    "message_participants",
    "move",
    "normalize_ticket_code",
    "promote",
    "register",
    "registration_from_link",
    "registrations_over_time",
    "seats_taken",
    "signed_token",
    "validate_answers",
]
