from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from .middleware import clear_host_cache
from .models import Domain, Tenant
from .services import (
    ProvisioningError,
    create_tenant,
    delete_tenant,
    is_protected_schema,
    validate_domain,
    validate_schema_name,
)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class TenantAddForm(forms.ModelForm):
    domain = forms.CharField(label=_("domain"), help_text=_("e.g. nrw.beteiligung.example.de"))
    admin_email = forms.EmailField(
        label=_("first administrator's e-mail"), required=False,
        help_text=_("Receives a one-time link to set a password."),
    )

    class Meta:
        model = Tenant
        fields = ["schema_name", "name", "short_name", "contact_email", "contact_phone",
                  "primary_color", "accent_color", "coat_of_arms", "tagline"]

    def clean(self):
        data = super().clean()
        try:
            validate_schema_name(data.get("schema_name", ""))
            data["domain"] = validate_domain(data.get("domain", ""))
            if Domain.objects.filter(domain=data["domain"]).exists():
                raise ProvisioningError(f"The domain {data['domain']!r} is taken by another tenant.")
        except ProvisioningError as error:
            raise forms.ValidationError(str(error)) from None
        return data


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "schema_name", "short_name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "schema_name"]
    actions = ["deactivate", "activate"]

    def get_queryset(self, request):
        # The platform's own row (public schema) and the template are not tenants an
        # operator may edit or delete: they are not listed, so no admin view reaches them.
        return (super().get_queryset(request).filter(is_template=False)
                .exclude(schema_name=get_public_schema_name()))

    def has_delete_permission(self, request, obj=None):
        if obj is not None and is_protected_schema(obj.schema_name):
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TenantAddForm
        return super().get_form(request, obj, **kwargs)

    def get_inlines(self, request, obj):
        return [DomainInline] if obj else []

    def get_readonly_fields(self, request, obj=None):
        return ["schema_name"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # New tenants go through the provisioning service (clone, site, home page).
        data = form.cleaned_data
        try:
            result = create_tenant(
                obj.schema_name, obj.name, data["domain"], short_name=obj.short_name,
                contact_email=obj.contact_email, admin_email=data.get("admin_email") or None,
                branding={"primary_color": obj.primary_color, "accent_color": obj.accent_color,
                          "coat_of_arms": obj.coat_of_arms, "tagline": obj.tagline},
            )
        except ProvisioningError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        obj.pk = result.tenant.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        delete_tenant(obj.schema_name)

    def delete_queryset(self, request, queryset):
        # Django's "delete selected" action (after its confirmation page) ends here: each
        # tenant goes through the same service as `beteiligung tenant delete` (schema
        # dropped, media files removed, the platform's own schemas refused), never a bare
        # queryset.delete().
        for tenant in list(queryset):
            delete_tenant(tenant.schema_name)
        clear_host_cache()

    def _set_active(self, queryset, active):
        queryset.exclude(schema_name="public").update(is_active=active)
        clear_host_cache()

    @admin.action(description=_("Deactivate selected tenants (maintenance page)"))
    def deactivate(self, request, queryset):
        self._set_active(queryset, False)

    @admin.action(description=_("Activate selected tenants"))
    def activate(self, request, queryset):
        self._set_active(queryset, True)
