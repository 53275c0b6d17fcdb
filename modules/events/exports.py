"""The participants table of an event, for its organizers (the admin view) and operators
(``beteiligung export``): both find it through the portal's registry (``TABLES``,
registered in apps.py) and write it with the core's table writer (formula guard included).

It holds the participants' e-mail addresses and answers: it is for running the event.
One query for the rows (their programme items as an array beside each), read with an
iterator; the event's registration questions, one query, give the last columns.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from beteiligung.participation import registry
from beteiligung.participation.text import one_line

from .models import Registration, RegistrationStatus

S = RegistrationStatus


def registrations(event, status="", query=""):
    """The event's registrations as the organizer's list shows them: of one status (if
    ``status`` is one), matching ``query`` (name, e-mail, or exactly a ticket code)."""
    qs = Registration.objects.filter(event=event)
    if status in S.values:
        qs = qs.filter(status=status)
    query = query.strip()[:200]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(email__icontains=query)
                       | Q(ticket_code__iexact=query.replace(" ", "")))
    return qs.order_by("created_at", "id")


def _local(value):
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M:%S") if value else ""


def participant_headers(event):
    headers = [_("Name"), _("E-mail"), _("Status"), _("Registered at"), _("Confirmed at"),
               _("Checked in at"), _("Ticket code"), _("Programme items"), _("Photo consent")]
    return headers + [q.label for q in event.question_list]


def participant_rows(event, status="", query=""):
    """One row per registration (filtered as ``registrations``), in the order of
    ``participant_headers``."""
    questions = event.question_list
    labels = dict(S.choices)
    through = Registration.programme_items.through
    items = ArraySubquery(
        through.objects.filter(registration_id=OuterRef("pk"))
        .order_by("programmeitem__sort_order", "programmeitem_id")
        .values("programmeitem__title"))
    rows = (registrations(event, status, query).annotate(items=items)
            .values_list("name", "email", "status", "created_at", "confirmed_at",
                         "checked_in_at", "ticket_code", "items", "photo_consent", "answers"))
    for (name, email, state, created, confirmed, checked_in, ticket_code, item_titles,
         photo_consent, answers) in rows.iterator(chunk_size=2000):
        answers = answers or {}
        yield [
            # Names stored before line breaks were refused stay on one line here too.
            one_line(name), email, labels.get(state, state), _local(created),
            _local(confirmed), _local(checked_in), ticket_code, item_titles or [],
            photo_consent,
        ] + [(answers.get(q.key) or {}).get("value", "") for q in questions]


TABLES = (
    registry.Export(key="participants", label=pgettext_lazy("export table", "Participants"),
                    headers=participant_headers, rows=participant_rows,
                    filename=lambda event: f"teilnehmende-{event.slug}"),
)
