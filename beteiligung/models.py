"""Wagtail page types shared by all tenants, and the participation primitives.

``ProcedurePage`` is the concrete base of every participation procedure
(dialog, statements, events). It is concrete rather than abstract so that the
listing of all procedures of a portal is one query over one table, whatever
module a procedure comes from; modules inherit from it and set
``procedure_type``.
"""

from django.contrib.auth.models import Group
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from .participation.spam import SpamProtectionSettings  # noqa: F401 (a model: Django finds it here)

# Procedure types are filled in by ProcedurePage subclasses (see __init_subclass__).
PROCEDURE_TYPES: dict[str, str] = {}


class ProcedureStatus(models.TextChoices):
    UPCOMING = "upcoming", _("upcoming")
    OPEN = "open", _("open for participation")
    CLOSED = "closed", _("closed")


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "beteiligung.ProcedureIndexPage",
        "beteiligung.AuthorityPage",
        "beteiligung.StandardPage",
    ]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["open_procedures"] = (
            ProcedurePage.objects.live().descendant_of(self).open_now()
            .select_related("authority").order_by("ends_at")[:6]
        )
        context["procedure_index"] = ProcedureIndexPage.objects.live().descendant_of(self).first()
        return context


class StandardPage(Page):
    """Imprint, privacy notice, accessibility statement and other plain pages."""

    body = RichTextField(_("body"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body")]
    subpage_types = ["beteiligung.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


class AuthorityPage(Page):
    """An authority (ministry, district office, municipality) and its part of the tree.

    Its editor group may edit only below this page (see authorities.py).
    """

    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    description = RichTextField(_("description"), blank=True, features=["bold", "italic", "link"])
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    editor_group = models.OneToOneField(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="authority_page",
        editable=False,
    )

    content_panels = Page.content_panels + [
        FieldPanel("short_name"),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("email"), FieldPanel("phone"), FieldPanel("address"), FieldPanel("website")],
            heading=_("contact"),
        ),
    ]
    parent_page_types = ["beteiligung.HomePage"]

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    @property
    def display_name(self):
        return self.short_name or self.title

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["procedures"] = (
            ProcedurePage.objects.live().child_of(self).order_by("-starts_at")
        )
        return context


class ProcedurePageQuerySet(PageQuerySet):
    def open_now(self, now=None):
        now = now or timezone.now()
        return self.filter(Q(starts_at__lte=now) | Q(starts_at__isnull=True)).filter(
            Q(ends_at__gt=now) | Q(ends_at__isnull=True)
        )

    def with_status(self, status, now=None):
        now = now or timezone.now()
        if status == ProcedureStatus.UPCOMING:
            return self.filter(starts_at__gt=now)
        if status == ProcedureStatus.OPEN:
            return self.open_now(now)
        if status == ProcedureStatus.CLOSED:
            return self.filter(ends_at__lte=now)
        return self


class ProcedurePageManager(PageManager.from_queryset(ProcedurePageQuerySet)):
    pass


class ProcedurePage(Page):
    """Base of every participation procedure. Not created directly: modules subclass it."""

    procedure_type = models.CharField(_("type"), max_length=30, editable=False, db_index=True)
    teaser = models.TextField(_("teaser"), max_length=500, blank=True)
    starts_at = models.DateTimeField(_("participation starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("participation ends"), null=True, blank=True)
    authority = models.ForeignKey(
        AuthorityPage, null=True, blank=True, editable=False, on_delete=models.SET_NULL,
        related_name="procedures",
    )

    objects = ProcedurePageManager()

    # Subclasses set these; the listing filters by procedure_type.
    procedure_type_key = ""
    procedure_type_label = ""
    is_creatable = False
    parent_page_types = ["beteiligung.AuthorityPage"]

    content_panels = Page.content_panels + [
        FieldPanel("teaser"),
        MultiFieldPanel([FieldPanel("starts_at"), FieldPanel("ends_at")], heading=_("period")),
    ]
    search_fields = Page.search_fields + [index.SearchField("teaser")]

    class Meta:
        verbose_name = _("participation procedure")
        verbose_name_plural = _("participation procedures")
        indexes = [models.Index(fields=["starts_at", "ends_at"])]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.procedure_type_key:
            PROCEDURE_TYPES[cls.procedure_type_key] = cls.procedure_type_label

    @property
    def status(self):
        now = timezone.now()
        if self.starts_at and self.starts_at > now:
            return ProcedureStatus.UPCOMING
        if self.ends_at and self.ends_at <= now:
            return ProcedureStatus.CLOSED
        return ProcedureStatus.OPEN

    @property
    def status_label(self):
        return ProcedureStatus(self.status).label

    @property
    def url_path_on_site(self):
        """The page's path on its site (for absolute links built with tenant_url)."""
        from .site_cache import RootPathsHolder

        parts = self.get_url_parts(RootPathsHolder())
        return parts[2] if parts else self.url_path

    @property
    def procedure_type_display(self):
        return PROCEDURE_TYPES.get(self.procedure_type, self.procedure_type)

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})

    def save(self, *args, **kwargs):
        if self.procedure_type_key:
            self.procedure_type = self.procedure_type_key
        parent = self.get_parent() if self.path else None
        if parent is not None:
            self.authority = (
                AuthorityPage.objects.filter(path__in=_ancestor_paths(self.path))
                .order_by("-depth").first()
            )
        return super().save(*args, **kwargs)


def _ancestor_paths(path, steplen=4):
    return [path[:i] for i in range(steplen, len(path), steplen)]


def reassign_authorities(path):
    """Give every procedure at or below ``path`` the authority it now stands under.

    ProcedurePage.save() sets it, but Wagtail moves a page (and its subtree) without
    saving the procedures themselves (post_page_move, see apps.py). Two queries and one
    bulk update, whatever the size of the subtree."""
    procedures = list(ProcedurePage.objects.filter(path__startswith=path).only("pk", "path", "authority"))
    if not procedures:
        return 0
    authorities = dict(AuthorityPage.objects.values_list("path", "pk"))
    changed = []
    for procedure in procedures:
        nearest = next((authorities[p] for p in reversed(_ancestor_paths(procedure.path))
                        if p in authorities), None)
        if procedure.authority_id != nearest:
            procedure.authority_id = nearest
            changed.append(procedure)
    ProcedurePage.objects.bulk_update(changed, ["authority"])
    return len(changed)


class ProcedureIndexPage(Page):
    """All procedures of the portal, filterable by type, status and authority."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["beteiligung.HomePage"]
    subpage_types = []
    per_page = 20

    class Meta:
        verbose_name = _("procedure listing")

    def procedures(self, filters, type_choices):
        site_root = self.get_parent()
        qs = ProcedurePage.objects.live().descendant_of(site_root).select_related("authority")
        if filters.get("type") in type_choices:
            qs = qs.filter(procedure_type=filters["type"])
        if filters.get("status") in ProcedureStatus.values:
            qs = qs.with_status(filters["status"])
        authority = filters.get("authority")
        if authority and str(authority).isdigit():
            qs = qs.filter(authority_id=int(authority))
        return qs.order_by("-starts_at", "title")

    def type_choices(self):
        """Registered procedure types plus any type in use (a module may be gone)."""
        types = dict(PROCEDURE_TYPES)
        in_use = ProcedurePage.objects.live().values_list("procedure_type", flat=True).distinct()
        for key in in_use:
            types.setdefault(key, key)
        return types

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        filters = {key: request.GET.get(key, "") for key in ("type", "status", "authority")}
        types = self.type_choices()
        paginator = Paginator(self.procedures(filters, types), self.per_page)
        try:
            page = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            page = paginator.page(1)
        context.update(
            filters=filters,
            procedures=page,
            type_choices=sorted(types.items(), key=lambda item: str(item[1])),
            status_choices=ProcedureStatus.choices,
            authorities=AuthorityPage.objects.live().descendant_of(self.get_parent()).order_by("title"),
        )
        return context


@register_setting(icon="site")
class PortalSettings(BaseSiteSetting):
    """Footer links and contact of a tenant's portal, edited in the Wagtail admin."""

    imprint_page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("imprint"),
    )
    privacy_page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("privacy notice"),
    )
    accessibility_page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("accessibility statement"),
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    select_related = ["imprint_page", "privacy_page", "accessibility_page"]

    @classmethod
    def for_site(cls, site):
        import copy

        from .site_cache import cached

        # A copy: the admin's edit form changes the instance it gets before saving.
        return copy.copy(
            cached(("portal_settings", site.pk), lambda: super(PortalSettings, cls).for_site(site))
        )

    panels = [
        FieldPanel("imprint_page"),
        FieldPanel("privacy_page"),
        FieldPanel("accessibility_page"),
        FieldPanel("contact_email"),
    ]

    class Meta:
        verbose_name = _("portal settings")


class OutboxMessage(models.Model):
    """An e-mail kept by the demo outbox instead of being sent (never in production)."""

    to = models.TextField()
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True)
    attachments = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.subject} -> {self.to}"

