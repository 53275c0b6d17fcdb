"""Figures for organizers: registrations per status and free seats, and per day."""

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..models import SEAT_STATUSES, Registration
from ..models import RegistrationStatus as S


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


def registrations_over_time(event):
    """Registrations per day (all that were made, whatever their state now)."""
    return list(
        Registration.objects.filter(event=event)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day").annotate(n=Count("id")).order_by("day")
    )

