from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class Tenant(TenantMixin):
    """One state (or large body) with its own schema, users, editors and pages."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=60, blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive tenants answer with a maintenance page.")
    )
    is_template = models.BooleanField(
        _("template"), default=False, editable=False,
        help_text=_("The migrated schema that new tenants are cloned from."),
    )
    # Branding
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default="#1a5490", validators=[hex_color]
    )
    accent_color = models.CharField(
        _("accent colour"), max_length=7, default="#f2c500", validators=[hex_color]
    )
    coat_of_arms = models.CharField(
        _("coat of arms / logo text"), max_length=8, blank=True,
        help_text=_("A short mark shown beside the name, e.g. a state's abbreviation."),
    )
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def delete(self, force_drop=False, *args, **kwargs):
        # The platform's own row stands for the public schema: dropping it would take every
        # tenant's shared tables with it (tenants.services.delete_tenant refuses it too).
        from django_tenants.utils import get_public_schema_name

        if self.schema_name in {get_public_schema_name(), settings.TENANT_BASE_SCHEMA}:
            raise PermissionError(f"The schema {self.schema_name!r} cannot be deleted.")
        return super().delete(force_drop, *args, **kwargs)

    def pre_drop(self):
        # Rows written in this same transaction (a failed provisioning that is
        # being undone) leave deferred constraint checks pending, and PostgreSQL
        # refuses to drop tables with pending trigger events: run them now.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    @property
    def display_short_name(self):
        return self.short_name or self.name

    @cached_property
    def primary_domain_name(self):
        domain = self.get_primary_domain()
        return domain.domain if domain is not None else None

    def base_url(self):
        """Absolute base URL of the tenant's primary domain, for links outside a request."""
        if self.primary_domain_name is None:
            return None
        port = settings.PORTAL_URL_PORT
        host = self.primary_domain_name + (f":{port}" if port else "")
        return f"{settings.PORTAL_URL_SCHEME}://{host}"


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self):
        return self.domain
