"""Data protection: a participant deletes their own registration, and registrations of
events long past are anonymized (retention), leaving only counts and the core's log."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from beteiligung.participation import retention as core_retention
from beteiligung.participation.state import ProcedureState

from ..models import EventPage, Registration, new_ticket_code, new_token
from ..models import RegistrationStatus as S
from .locking import _lock_event, _locked_section
from .registration import cancel
from .stats import counts

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
            runs.append(core_retention.log_run(
                "events", locked, anonymized=anonymized, counts=status_counts, now=now,
            ))
    return runs
