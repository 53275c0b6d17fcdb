"""Who holds a seat, read while the event's lock is held (locking.py): the counts a
decision rests on are read only after the lock is taken, in as few round trips as possible."""

from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext as _

from ..models import ACTIVE_STATUSES, SEAT_STATUSES, ProgrammeItem, Registration
from .errors import InvalidRegistration


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
