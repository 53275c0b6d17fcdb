"""What participants are told: e-mails queued after commit (never sent from inside a
lock), the organizer's message to participants, and calendar updates when the event
changes or is cancelled."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beteiligung.participation.text import clean_text, one_line

from ..models import ACTIVE_STATUSES, Registration
from ..models import RegistrationStatus as S
from .errors import InvalidRegistration
from .locking import _lock_event, _locked_section


def _after_commit(kind, registration_ids):
    from .. import tasks

    ids = list(registration_ids)
    if ids:
        transaction.on_commit(lambda: tasks.send_registration_mails.enqueue(kind, ids))


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
    from .. import tasks

    with transaction.atomic():
        for start in range(0, len(ids), 200):
            chunk = ids[start:start + 200]
            transaction.on_commit(
                lambda chunk=chunk: tasks.send_custom_message.enqueue(chunk, subject, body)
            )
    return len(ids)


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
