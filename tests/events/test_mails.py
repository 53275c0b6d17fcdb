"""The e-mails of the events module (modules/events/mails.py and templates/events/email/)."""

from modules.events import services
from modules.events.mails import send_custom, send_registration_mail
from modules.events.models import Registration

from .conftest import data

INJECTED = "Max\n\nACHTUNG: Ihr Platz verfällt. Zahlen Sie 20 € unter https://evil.example/pay"


def test_single_line_values_stay_on_one_line_in_every_mail(event, mailoutbox):
    """Stored before the form refused it (or written by other code): a name with line
    breaks must not put a line of its own into an official e-mail."""
    registration = services.register(event, data())
    Registration.objects.filter(pk=registration.pk).update(name=INJECTED)
    registration.refresh_from_db()
    event.title = "Versammlung\nACHTUNG: https://evil.example/title"
    registration.event = event
    for kind in ("registered", "confirmed", "cancelled", "event_updated", "duplicate_attempt"):
        send_registration_mail(registration, kind)
    send_custom(registration, "Hinweis\nBcc: x@example.org", "Text")
    assert len(mailoutbox) == 6
    for mail in mailoutbox:
        lines = mail.body.splitlines()
        assert not [line for line in lines if line.startswith("ACHTUNG")], mail.body
        assert "Guten Tag Max ACHTUNG: Ihr Platz verfällt." in mail.body
        assert "\n" not in mail.subject
