"""The event's lock, taken by every operation of this package that changes seats or the
event's state (registration.py, messaging.py, retention.py), and why.

Locking (the whole story, in one place):
* Every operation that can change who holds a seat (register, confirm, cancel,
  expire, promote, move) or the event's state (cancel_event, event_changed,
  apply_retention) first locks the event's state row (the participation core's
  ProcedureState, a row of its own that Wagtail publishing never writes; see
  beteiligung/participation/locking.py for the lock order) with SELECT ... FOR UPDATE, reads the page's
  settings in the same statement, and only then reads the counts it decides on
  (seats.py).
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
E-mails are sent after commit, through background tasks, never from inside a lock
(messaging._after_commit).
"""

from django.utils.translation import gettext as _

from beteiligung.participation import locking as core_locking

from ..models import EventPage
from .errors import EventBusy

# The page's settings that the locked statement reads fresh, with the state row.
LOCKED_FIELDS = (
    "title", "starts_at", "ends_at", "event_start", "event_end", "capacity", "waitlist_enabled",
    "hold_minutes", "registration_enabled", "photo_consent_text", "max_open_holds_per_client",
)


def _locked_section():
    """The core's locked section (participation/locking.py), answering EventBusy."""
    return core_locking.locked_section(
        busy=EventBusy,
        message=_("Very many people are registering right now. Please try again in a moment."),
    )


def _lock_event(event_id):
    """Lock the event's state row (the core's lock) and return the event with its
    settings and state (``event.state``) read fresh, after taking the lock."""
    return core_locking.lock_procedure(EventPage, event_id, LOCKED_FIELDS)
