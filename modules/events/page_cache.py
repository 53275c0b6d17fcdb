"""Events as of their current version, kept per process and checked on every request.

When registration opens, thousands of people load the same form within minutes.
Loading the event through the ORM (three inherited tables, the view-restriction
check, questions, programme items) and rendering the form cost more than all the
rest of such a request. So each process keeps, per tenant and event, the page
object with its questions and programme items, and the rendered form page for
visitors without a session, and checks them on every request with one small query:

* a fingerprint (md5) of the event's page rows, its state row (the core's
  ProcedureState: a cancellation), its questions and its programme items, so any change (an editor
  publishing, a service cancelling the event, a row edited in the shell) is seen at
  once, in every process;
* whether the page is live and no view restriction applies to it or an ancestor
  (Wagtail's ``live().public()``);
* the seats taken, which the form page shows.

Only the frame of the cached form page (tenant branding, footer links) may be as
old as TENANT_CACHE_SECONDS, like the other per-process caches (beteiligung/participation/cache.py).
Keys include the schema: no tenant ever gets another's entry.
"""

import copy
import functools
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from wagtail.models import Page

from beteiligung.models import ProcedurePage
from beteiligung.participation.fastpath import restricted_sql
from beteiligung.participation.state import ProcedureState

from .models import (
    SEAT_STATUSES,
    EventPage,
    ProgrammeItem,
    Registration,
    RegistrationQuestion,
)

MAX_ENTRIES = 1000


@dataclass
class Snapshot:
    fingerprint: str
    page: EventPage
    expires: float
    rendered: dict = field(default_factory=dict)


@dataclass
class Found:
    """What a request gets: its own copy of the page, and the state it was checked in."""

    page: EventPage
    visible: bool
    seats_taken: int | None
    snapshot: Snapshot


_lock = threading.Lock()
_entries: dict[tuple[str, int], Snapshot] = {}


@functools.cache
def _version_sql(with_seats):
    quote = connection.ops.quote_name

    def table(model):
        return quote(model._meta.db_table)

    event_pk = quote(EventPage._meta.pk.column)
    procedure_pk = quote(ProcedurePage._meta.pk.column)
    seats = ", ".join(f"'{status}'" for status in SEAT_STATUSES)
    children = " || ".join(
        f"coalesce((SELECT string_agg(c::text, '|' ORDER BY c.id) FROM {table(model)} c"
        f" WHERE c.event_id = e.{event_pk}), '')"
        for model in (RegistrationQuestion, ProgrammeItem)
    )
    state = (f"coalesce((SELECT s::text FROM {table(ProcedureState)} s"
             f" WHERE s.procedure_id = e.{event_pk}), '')")
    # The page and its ancestors: the prefixes of its tree path (one index look-up each).
    restricted = restricted_sql("p")
    seats_taken = (
        f"(SELECT count(*) FROM {table(Registration)} x"
        f" WHERE x.event_id = e.{event_pk} AND x.status IN ({seats}))" if with_seats else "NULL"
    )
    return (
        f"SELECT md5(p::text || pp::text || e::text || {state} || {children}),"
        f" p.live AND NOT {restricted}, {seats_taken}"
        f" FROM {table(EventPage)} e"
        f" JOIN {table(ProcedurePage)} pp ON pp.{procedure_pk} = e.{event_pk}"
        f" JOIN {table(Page)} p ON p.id = pp.{procedure_pk}"
        f" WHERE e.{event_pk} = %s"
    )


def lookup(event_id, with_seats=False):
    """The event ``event_id`` of the current tenant, or None if there is none.

    ``Found.visible`` says whether the public may see it (live, no view restriction);
    ``Found.seats_taken`` is counted only if asked for (None otherwise).
    """
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(with_seats), [event_id])
        row = cursor.fetchone()
    if row is None:
        return None
    fingerprint, visible, seats_taken = row
    key = (connection.schema_name, int(event_id))
    now = time.monotonic()
    snapshot = _entries.get(key)
    if snapshot is None or snapshot.fingerprint != fingerprint or snapshot.expires <= now:
        page = EventPage.objects.select_related("state").filter(pk=event_id).first()
        if page is None:  # deleted between the two queries
            return None
        page.question_list, page.item_list  # noqa: B018 - load them now, once per version
        snapshot = Snapshot(fingerprint, page, now + settings.TENANT_CACHE_SECONDS)
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = snapshot
    # Each request gets its own copy: nothing it sets on the page reaches another request.
    return Found(copy.copy(snapshot.page), bool(visible), seats_taken, snapshot)


def public_event(event_id, with_seats=False):
    """Like ``lookup``, but only an event the public may see."""
    found = lookup(event_id, with_seats)
    return found if found is not None and found.visible else None

