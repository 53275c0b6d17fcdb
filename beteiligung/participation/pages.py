"""The procedure page base, and the one meaning of "open".

``ProcedurePage`` is the concrete base of every participation procedure (dialog,
statements, events). It is concrete rather than abstract so that the listing of all
procedures of a portal is one query over one table, whatever module a procedure comes
from; modules inherit from it (see registry.py for how they plug in).

When is a procedure open? One rule, used by the listing (in SQL), the pages and the
services (in Python), so that they can never disagree:

* cancelled (its service-owned state row, state.py, says so): ``cancelled``;
* before ``starts_at``: ``upcoming``;
* from ``closes_at`` on: ``closed``;
* otherwise ``open``.

``closes_at`` is the moment participation ends. For most procedures it is the editor's
``ends_at``; a module whose procedure has a natural end of its own (an event is over
when it is over, whether or not the editor set an end of registration) extends
``compute_closes_at()``. It is stored on save, so that the listing filters on one
indexed column instead of re-stating every module's rule in SQL.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index


class ProcedureStatus(models.TextChoices):
    UPCOMING = "upcoming", _("upcoming")
    OPEN = "open", _("open for participation")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", pgettext_lazy("procedure status", "cancelled")


def status_at(*, starts_at, closes_at, cancelled, now):
    """The rule itself (see the module docstring); every other form of it is checked
    against this one in tests/participation/test_pages.py."""
    if cancelled:
        return ProcedureStatus.CANCELLED
    if starts_at and now < starts_at:
        return ProcedureStatus.UPCOMING
    if closes_at and now >= closes_at:
        return ProcedureStatus.CLOSED
    return ProcedureStatus.OPEN


class ProcedurePageQuerySet(PageQuerySet):
    def not_cancelled(self):
        return self.filter(Q(state__isnull=True) | Q(state__cancelled_at__isnull=True))

    def open_now(self, now=None):
        return self.with_status(ProcedureStatus.OPEN, now)

    def with_status(self, status, now=None):
        """``status_at`` in SQL."""
        now = now or timezone.now()
        if status == ProcedureStatus.CANCELLED:
            return self.filter(state__cancelled_at__isnull=False)
        if status == ProcedureStatus.UPCOMING:
            return self.not_cancelled().filter(starts_at__gt=now)
        if status == ProcedureStatus.OPEN:
            return self.not_cancelled().filter(
                Q(starts_at__lte=now) | Q(starts_at__isnull=True),
                Q(closes_at__gt=now) | Q(closes_at__isnull=True),
            )
        if status == ProcedureStatus.CLOSED:
            return self.not_cancelled().filter(closes_at__lte=now).exclude(starts_at__gt=now)
        return self


class ProcedurePageManager(PageManager.from_queryset(ProcedurePageQuerySet)):
    pass


class ProcedurePage(Page):
    """Base of every participation procedure. Not created directly: modules subclass it."""

    procedure_type = models.CharField(_("type"), max_length=30, editable=False, db_index=True)
    teaser = models.TextField(_("teaser"), max_length=500, blank=True)
    starts_at = models.DateTimeField(_("participation starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("participation ends"), null=True, blank=True)
    # Derived from the editor's fields on every save (see the module docstring).
    closes_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    authority = models.ForeignKey(
        "beteiligung.AuthorityPage", null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="procedures",
    )

    objects = ProcedurePageManager()

    # Subclasses set these (registry.py lists the page models of every module).
    procedure_type_key = ""
    procedure_type_label = ""
    is_creatable = False
    parent_page_types = ["beteiligung.AuthorityPage"]

    period_panel = MultiFieldPanel(
        [FieldPanel("starts_at"), FieldPanel("ends_at")], heading=_("period")
    )
    content_panels = Page.content_panels + [FieldPanel("teaser"), period_panel]
    search_fields = Page.search_fields + [index.SearchField("teaser")]

    class Meta:
        verbose_name = _("participation procedure")
        verbose_name_plural = _("participation procedures")
        indexes = [models.Index(fields=["starts_at", "ends_at"])]

    def compute_closes_at(self):
        """When participation ends; modules with an end of their own extend this."""
        return self.ends_at

    @property
    def service_state(self):
        """The procedure's state row (state.py); an unsaved default for a page without
        one (a preview, or a page made before its module created rows)."""
        from .state import ProcedureState

        try:
            return self.state
        except ProcedureState.DoesNotExist:
            return ProcedureState(procedure_id=self.pk)

    @property
    def is_cancelled(self):
        return self.service_state.cancelled_at is not None

    def status_at(self, now=None):
        # A listing loads the base class, which cannot know a module's own end: it
        # reads the stored value, which every save of the specific page computed.
        closes_at = self.closes_at if type(self) is ProcedurePage else self.compute_closes_at()
        return status_at(
            starts_at=self.starts_at, closes_at=closes_at,
            cancelled=self.is_cancelled, now=now or timezone.now(),
        )

    @property
    def status(self):
        return self.status_at()

    def is_open(self, now=None):
        return self.status_at(now) == ProcedureStatus.OPEN

    @property
    def status_label(self):
        return ProcedureStatus(self.status).label

    @property
    def url_path_on_site(self):
        """The page's path on its site (for absolute links built with tenant_url)."""
        from .cache import RootPathsHolder

        parts = self.get_url_parts(RootPathsHolder())
        return parts[2] if parts else self.url_path

    @property
    def procedure_type_display(self):
        from .registry import procedure_types

        return procedure_types().get(self.procedure_type, self.procedure_type)

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})

    def save(self, *args, **kwargs):
        if self.procedure_type_key:
            self.procedure_type = self.procedure_type_key
        self.closes_at = self.compute_closes_at()
        if self.path and self.depth and self.depth > 1:
            self.authority = self.nearest_authority()
        return super().save(*args, **kwargs)

    def nearest_authority(self):
        model = self._meta.get_field("authority").related_model
        return (model.objects.filter(path__in=ancestor_paths(self.path))
                .order_by("-depth").first())


def ancestor_paths(path, steplen=4):
    return [path[:i] for i in range(steplen, len(path), steplen)]
