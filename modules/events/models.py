"""Events: pages, programme items, registration questions, registrations.

Invariants that the database keeps (see services/locking.py for the locking):
* one active registration per e-mail address and event (partial unique index),
* ticket codes and link tokens are unique within the tenant.

What editors write (the page, its revisions) and what services write (the procedure's
state row of the participation core, beteiligung/participation/state.py: cancellation,
calendar sequence, deletion of personal data) live in different rows: publishing a page
loaded before a cancellation cannot bring the event back.
"""

import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from beteiligung.models import ProcedurePage, ProcedureStatus

from .widgets import GermanDateTimeInput

TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_ticket_code():
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(10))


def new_token():
    return secrets.token_urlsafe(24)


class EventIndexPage(Page):
    """The events of an authority (or of the whole portal), upcoming first."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["beteiligung.AuthorityPage"]
    subpage_types = ["events.EventPage"]

    class Meta:
        verbose_name = _("event index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        events = EventPage.objects.live().descendant_of(self).select_related("authority")
        context["upcoming"] = events.filter(event_end__gte=now).order_by("event_start")
        context["past"] = events.filter(event_end__lt=now).order_by("-event_start")[:20]
        return context


class EventPageForm(WagtailAdminPageForm):
    """The event editor: every date and time of the page (its own and Wagtail's publishing
    schedule) in German format; programme items get theirs from their panels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateTimeField) and not isinstance(field.widget,
                                                                          forms.HiddenInput):
                field.widget = GermanDateTimeInput(attrs=field.widget.attrs)


class EventPage(RoutablePageMixin, ProcedurePage):
    """One event with its registration settings.

    ``starts_at``/``ends_at`` (from ProcedurePage) are the registration window;
    ``event_start``/``event_end`` are when the event itself takes place.
    """

    procedure_type_key = "events"
    procedure_type_label = _("Event")
    is_creatable = True
    parent_page_types = ["events.EventIndexPage", "beteiligung.AuthorityPage"]
    subpage_types = []
    template = "events/event_page.html"

    description = RichTextField(_("description"), blank=True)
    event_start = models.DateTimeField(_("event starts"))
    event_end = models.DateTimeField(_("event ends"))
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_address = models.TextField(_("venue address"), blank=True)
    online_access = models.TextField(
        _("online access"), blank=True,
        help_text=_("Link and dial-in data. Shown only to confirmed participants, never publicly."),
    )
    organizer_name = models.CharField(_("organizer"), max_length=200, blank=True)
    organizer_email = models.EmailField(_("organizer e-mail"), blank=True)
    organizer_phone = models.CharField(_("organizer phone"), max_length=60, blank=True)
    accessibility_info = models.TextField(_("accessibility information"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("image"),
    )
    # Registration settings
    registration_enabled = models.BooleanField(_("registration enabled"), default=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    waitlist_enabled = models.BooleanField(_("waiting list"), default=True)
    account_required = models.BooleanField(
        _("account required"), default=False,
        help_text=_("If off, a confirmation by e-mail (double opt-in) suffices."),
    )
    hold_minutes = models.PositiveIntegerField(
        _("minutes a seat is held until the e-mail is confirmed"), default=30
    )
    privacy_consent_text = models.TextField(
        _("privacy consent"),
        default="Ich habe die Datenschutzhinweise gelesen und bin mit der Verarbeitung meiner "
                "Angaben zur Durchführung der Veranstaltung einverstanden.",
    )
    photo_consent_text = models.TextField(
        _("photo consent (optional)"), blank=True,
        help_text=_("If filled in, participants may agree to being photographed."),
    )
    retention_days = models.PositiveIntegerField(
        _("delete personal data ... days after the event"), default=90
    )
    max_open_holds_per_client = models.PositiveIntegerField(
        _("unconfirmed registrations per internet connection"), null=True, blank=True, default=3,
        validators=[MinValueValidator(1)],
        help_text=_("How many registrations not yet confirmed by e-mail one internet connection "
                    "(IP address) may have at a time. Protects the seats against being blocked "
                    "by automated registrations. Empty: no limit."),
    )

    # The participation period is the registration window: it is edited on the
    # registration tab, not with the content.
    content_panels = Page.content_panels + [
        FieldPanel("teaser"),
        FieldPanel("description"),
        FieldPanel("image"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("event_start"), FieldPanel("event_end")]),
             FieldPanel("venue_name"), FieldPanel("venue_address"), FieldPanel("online_access")],
            heading=_("Date and place"),
        ),
        MultiFieldPanel(
            [FieldPanel("organizer_name"), FieldPanel("organizer_email"),
             FieldPanel("organizer_phone"), FieldPanel("accessibility_info")],
            heading=_("Organizer and accessibility"),
        ),
        InlinePanel("programme_items", label=_("Programme items")),
    ]
    registration_panels = [
        MultiFieldPanel(
            [FieldPanel("registration_enabled"),
             FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
             FieldPanel("capacity"), FieldPanel("waitlist_enabled"), FieldPanel("account_required"),
             FieldPanel("hold_minutes"), FieldPanel("max_open_holds_per_client"),
             FieldPanel("retention_days")],
            heading=_("Registration"),
        ),
        MultiFieldPanel(
            [FieldPanel("privacy_consent_text"), FieldPanel("photo_consent_text")],
            heading=_("Consents"),
        ),
        InlinePanel("questions", label=_("Registration questions")),
    ]
    edit_handler = TabbedInterface([
        ObjectList(content_panels, heading=_("Content")),
        ObjectList(registration_panels, heading=_("Registration")),
        ObjectList(Page.promote_panels, heading=_("Promote")),  # Wagtail's own tab name
        ObjectList(Page.settings_panels, heading=_("Settings")),
    ])
    base_form_class = EventPageForm
    search_fields = ProcedurePage.search_fields + [index.SearchField("description")]

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def clean(self):
        super().clean()
        if self.event_start and self.event_end and self.event_end <= self.event_start:
            raise ValidationError({"event_end": _("The end must be after the start.")})

    @cached_property
    def question_list(self):
        """The registration questions, loaded once per request (form, validation, export)."""
        return list(self.questions.all())

    @cached_property
    def item_list(self):
        return list(self.programme_items.all())

    # State set by services, never by editors, lives in the procedure's state row
    # (``self.service_state``, from ProcedurePage).
    @property
    def sequence(self):
        return self.service_state.sequence

    @property
    def cancelled_at(self):
        return self.service_state.cancelled_at

    @property
    def personal_data_deleted_at(self):
        return self.service_state.personal_data_deleted_at

    def compute_calendar_fingerprint(self):
        """A hash of what participants' calendars show; a change means they get an update."""
        import hashlib

        parts = [self.title, self.event_start.isoformat(), self.event_end.isoformat(),
                 self.venue_name, self.venue_address, self.online_access]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def compute_closes_at(self):
        """Registration ends at the end of registration, or when the event ends."""
        if self.ends_at and self.event_end:
            return min(self.ends_at, self.event_end)
        return self.ends_at or self.event_end

    REGISTRATION_STATES = {
        ProcedureStatus.CANCELLED: "cancelled", ProcedureStatus.UPCOMING: "not_yet",
        ProcedureStatus.CLOSED: "closed", ProcedureStatus.OPEN: "open",
    }

    def registration_state(self, now=None):
        """'open', 'not_yet', 'closed', 'cancelled' or 'disabled': the procedure's status
        (the core's one meaning of open), and whether registration is switched on."""
        status = self.status_at(now)
        if status != ProcedureStatus.CANCELLED and not self.registration_enabled:
            return "disabled"
        return self.REGISTRATION_STATES[status]

    # Routes; the work is done in views.py (thin) over services/. The views import this
    # module, so each route imports them when a request comes (as the dialog's pages do):
    # at import time every arrow points from the views down to the models.
    @path("")
    def detail(self, request):
        from . import views

        return views.event_detail(self, request)

    @path("kalender/")
    def ics(self, request):
        from . import views

        return views.event_ics(self, request)


class ProgrammeItem(Orderable):
    """A session or workshop with its own time and capacity."""

    event = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="programme_items")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True,
                                           help_text=_("Empty: no limit."))

    panels = [FieldPanel("title"), FieldPanel("description"),
              FieldRowPanel([FieldPanel("starts_at", widget=GermanDateTimeInput),
                             FieldPanel("ends_at", widget=GermanDateTimeInput)]),
              FieldPanel("capacity")]

    class Meta(Orderable.Meta):
        verbose_name = _("programme item")

    def __str__(self):
        return self.title


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("short text")
    LONG_TEXT = "long_text", _("long text")
    SINGLE_CHOICE = "single_choice", _("single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("multiple choice")
    CHECKBOX = "checkbox", _("checkbox")


class RegistrationQuestion(Orderable):
    event = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=255)
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices,
                            default=QuestionKind.SHORT_TEXT)
    choices = models.TextField(pgettext_lazy("events", "choices"), blank=True,
                               help_text=_("One choice per line."))
    required = models.BooleanField(pgettext_lazy("events", "required"), default=False)

    panels = [FieldPanel("label"), FieldPanel("help_text"), FieldPanel("kind"),
              FieldPanel("choices"), FieldPanel("required")]

    class Meta(Orderable.Meta):
        verbose_name = _("registration question")

    def __str__(self):
        return self.label

    def clean(self):
        """A choice question needs its choices, each once: without any, the public form
        could never be sent."""
        super().clean()
        if self.kind not in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            return
        choices = self.choice_list
        if not choices:
            raise ValidationError({"choices": _(
                "Please enter the choices for this kind of question, one per line.")})
        duplicates = sorted({c for c in choices if choices.count(c) > 1})
        if duplicates:
            raise ValidationError({"choices": _("Each choice may appear only once: %(choices)s")
                                   % {"choices": ", ".join(duplicates)}})

    @property
    def choice_list(self):
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def key(self):
        return f"q{self.pk}"


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("pending confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    WAITLISTED = "waitlisted", _("waiting list")
    CANCELLED = "cancelled", _("cancelled")
    ATTENDED = "attended", _("attended")


ACTIVE_STATUSES = [RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED,
                   RegistrationStatus.WAITLISTED, RegistrationStatus.ATTENDED]
SEAT_STATUSES = [RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED,
                 RegistrationStatus.ATTENDED]


class Registration(models.Model):
    event = models.ForeignKey(EventPage, on_delete=models.CASCADE, related_name="registrations")
    status = models.CharField(max_length=12, choices=RegistrationStatus.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), max_length=254)
    email_key = models.CharField(max_length=254, editable=False)  # normalised for uniqueness
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="event_registrations")
    answers = models.JSONField(default=dict, blank=True)
    photo_consent = models.BooleanField(default=False)
    privacy_consent_at = models.DateTimeField(null=True, blank=True)
    programme_items = models.ManyToManyField(ProgrammeItem, blank=True,
                                             related_name="registrations")
    ticket_code = models.CharField(max_length=12, unique=True, default=new_ticket_code)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=20, blank=True)
    # Keyed hash (HMAC) of the client's network address, never the address itself: limits
    # the unconfirmed registrations one connection may hold (participation.identity.client_key). Cleared
    # once the e-mail address is confirmed.
    client_key = models.CharField(max_length=32, blank=True, editable=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    anonymized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email_key"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted", "attended"]),
                name="events_one_active_registration_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "created_at"]),
            # hold expiry runs inside the event lock on every registration: keep it an index range
            models.Index(fields=["event", "status", "hold_expires_at"]),
            # the open holds of one client, counted inside the event lock: small and exact
            models.Index(fields=["event", "client_key"], name="events_reg_open_by_client",
                         condition=Q(status__in=["pending", "waitlisted"],
                                     email_confirmed_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}> ({self.status})"

    @property
    def holds_seat(self):
        return self.status in SEAT_STATUSES

    @property
    def status_label(self):
        return RegistrationStatus(self.status).label


class CalendarState(models.Model):
    """What participants' calendars were last told about an event. Kept outside the page,
    because publishing a revision rewrites every page field."""

    event = models.OneToOneField(EventPage, on_delete=models.CASCADE, primary_key=True,
                                 related_name="calendar_state")
    fingerprint = models.CharField(max_length=64)

    def __str__(self):
        return f"{self.event_id}: {self.fingerprint[:12]}"
