"""iCalendar files: one per event, a personal one per participant, a feed per tenant.

Stable UID per event and tenant domain; SEQUENCE grows when the event changes;
URL back to the event page; Europe/Berlin VTIMEZONE; deliberately no ORGANIZER
(calendar apps would then send "accepted" replies to the organizer).
"""

from django.utils import timezone
from icalendar import Calendar, Event

from beteiligung.participation.mail import tenant_url

PRODID = "-//beteiligung//Beteiligungsportal//DE"


def _uid(event):
    domain = tenant_url("/").split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    return f"event-{event.pk}@{domain}"


def _location(event):
    parts = [event.venue_name] + [line.strip() for line in event.venue_address.splitlines()]
    location = ", ".join(p for p in parts if p)
    return location or ("Online" if event.online_access else "")


def vevent(event, *, private_details="", cancelled=False):
    berlin = timezone.get_default_timezone()
    item = Event()
    item.add("uid", _uid(event))
    item.add("dtstamp", timezone.now())
    item.add("sequence", event.sequence)
    item.add("summary", event.title)
    item.add("dtstart", timezone.localtime(event.event_start, berlin))
    item.add("dtend", timezone.localtime(event.event_end, berlin))
    url = tenant_url(event.url_path_on_site)
    item.add("url", url)
    description = "\n\n".join(p for p in [event.teaser, private_details, url] if p)
    item.add("description", description)
    location = _location(event)
    if location:
        item.add("location", location)
    item.add("status", "CANCELLED" if cancelled or event.is_cancelled else "CONFIRMED")
    if event.last_published_at:
        item.add("last-modified", event.last_published_at)
    return item


def calendar(events, *, method="PUBLISH", name=None, private_details=""):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(
            vevent(event, private_details=private_details, cancelled=method == "CANCEL")
        )
    cal.add_missing_timezones()
    return cal.to_ical()


def event_ics(event):
    return calendar([event], method="CANCEL" if event.is_cancelled else "PUBLISH")


def participant_ics(registration, method=None):
    """The participant's own file: includes the online access of confirmed participants."""
    event = registration.event
    private = ""
    if registration.status in ("confirmed", "attended") and event.online_access:
        private = "Zugang: " + event.online_access
    method = method or ("CANCEL" if event.is_cancelled else "PUBLISH")
    return calendar([event], method=method, private_details=private)
