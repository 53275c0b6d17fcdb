"""The e-mails of the events module, each rendered from templates/events/email/."""

import io

import segno
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from beteiligung.participation.mail import send_mail, tenant_url

from . import calendar
from .models import RegistrationStatus as S
from .services import signed_token

SUBJECTS = {
    "registered_pending": _("Please confirm your registration: %(title)s"),
    "registered_confirmed": _("Registration confirmed: %(title)s"),
    "registered_waitlisted": _("You are on the waiting list: %(title)s"),
    "confirmed": _("Registration confirmed: %(title)s"),
    "waitlist_confirmed": _("You are on the waiting list: %(title)s"),
    "promoted_pending": _("A seat has become free: %(title)s – please confirm"),
    "promoted_confirmed": _("You have moved up from the waiting list: %(title)s"),
    "cancelled": _("Your registration has been cancelled: %(title)s"),
    "moved": _("Your registration has been moved: %(title)s"),
    "event_updated": _("Changed: %(title)s"),
    "event_cancelled": _("Cancelled: %(title)s"),
    "duplicate_attempt": _("Another registration was attempted with your address: %(title)s"),
}


def links(registration):
    signed = signed_token(registration)
    return {
        "manage_url": tenant_url(reverse("events:manage", args=[signed])),
        "confirm_url": tenant_url(reverse("events:confirm", args=[signed])),
    }


def qr_png(registration):
    buffer = io.BytesIO()
    segno.make(registration.ticket_code, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def send_registration_mail(registration, kind):
    event = registration.event
    if kind in ("registered", "promoted"):
        kind = f"{kind}_{registration.status}"
    if kind == "registered_attended" or kind not in SUBJECTS:
        return 0
    attachments = []
    with_ticket = registration.status == S.CONFIRMED and kind in (
        "registered_confirmed", "confirmed", "promoted_confirmed", "moved", "event_updated"
    )
    if with_ticket:
        attachments.append(("veranstaltung.ics", calendar.participant_ics(registration),
                            "text/calendar; method=PUBLISH"))
        attachments.append(("ticket.png", qr_png(registration), "image/png"))
    if kind == "event_cancelled" or (kind == "cancelled" and registration.cancel_reason != "expired"):
        attachments.append(("veranstaltung.ics",
                            calendar.participant_ics(registration, method="CANCEL"),
                            "text/calendar; method=CANCEL"))
    context = {
        "registration": registration, "event": event, "kind": kind,
        "event_url": tenant_url(event.url_path_on_site), "with_ticket": with_ticket,
        **links(registration),
    }
    return send_mail(
        registration.email, SUBJECTS[kind] % {"title": event.title},
        f"events/email/{kind}", context, attachments=attachments,
        reply_to=event.organizer_email or None,
    )


def send_custom(registration, subject, body):
    context = {"registration": registration, "event": registration.event, "body": body,
               **links(registration)}
    return send_mail(registration.email, subject, "events/email/custom", context,
                     reply_to=registration.event.organizer_email or None)
