"""Check-in at the door: a ticket code marks its registration as attended, once."""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Registration
from ..models import RegistrationStatus as S


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
