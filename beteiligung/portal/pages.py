"""Pages every tenant's portal has: home, procedure listing, authorities, legal pages,
and the portal's settings (footer links, contact)."""

from django.contrib.auth.models import Group
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from beteiligung.participation.pages import ProcedurePage, ProcedureStatus
from beteiligung.participation.registry import procedure_types


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
            .select_related("authority", "state").order_by("closes_at")[:6]
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
            ProcedurePage.objects.live().child_of(self).select_related("state")
            .order_by("-starts_at")
        )
        return context


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
        qs = ProcedurePage.objects.live().descendant_of(site_root)
        qs = qs.select_related("authority", "state")
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
        types = dict(procedure_types())
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

        from beteiligung.participation.cache import cached

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
