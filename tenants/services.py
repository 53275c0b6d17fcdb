"""Provisioning of tenants: create, list, deactivate, delete.

New tenants are cloned from a migrated template schema (TENANT_BASE_SCHEMA)
instead of running every migration again: that makes a new tenant ready in
well under a second (see bench/tenant_provisioning.py). The template is a
Tenant row without a domain, so ``migrate_schemas`` keeps it migrated
together with the real tenants.
"""

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django_tenants.utils import (
    get_public_schema_name,
    schema_context,
    schema_exists,
    tenant_context,
)

from .models import Domain, Tenant
from .signals import tenant_provisioned

SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
HOST_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
RESERVED_SCHEMAS = {
    "public", "information_schema", "template", "tenant", "admin", "www", "static", "media",
    "default", "postgres",
}


class ProvisioningError(Exception):
    """A one-line, user-facing reason why a tenant operation was refused."""


@dataclass
class ProvisionResult:
    tenant: Tenant
    seconds: float
    details: dict


def template_schema_name():
    return settings.TENANT_BASE_SCHEMA


def validate_schema_name(schema):
    if not isinstance(schema, str) or not SCHEMA_RE.match(schema):
        raise ProvisioningError(
            f"Invalid schema name {schema!r}: use 2-40 lower-case letters, digits or _, "
            "starting with a letter."
        )
    if schema in RESERVED_SCHEMAS or schema.startswith("pg_") or schema == template_schema_name():
        raise ProvisioningError(f"The schema name {schema!r} is reserved.")


def validate_domain(domain):
    domain = (domain or "").strip().lower()
    if not HOST_RE.match(domain):
        raise ProvisioningError(f"Invalid domain {domain!r}: give a host name such as nrw.example.de.")
    if domain in settings.PUBLIC_HOSTS:
        raise ProvisioningError(f"The domain {domain!r} belongs to the platform itself.")
    return domain


def ensure_public_tenant(hosts=None):
    """The public schema's Tenant row and the platform's host names."""
    with schema_context(get_public_schema_name()):
        tenant, _ = Tenant.objects.get_or_create(
            schema_name=get_public_schema_name(),
            defaults={"name": "Beteiligungsportal", "short_name": "Plattform"},
        )
        for host in hosts or settings.PUBLIC_HOSTS:
            Domain.objects.get_or_create(
                domain=host, defaults={"tenant": tenant, "is_primary": host == settings.PUBLIC_HOSTS[0]}
            )
    return tenant


def ensure_template():
    """Create (by migrating, once) the template schema that tenants are cloned from."""
    with schema_context(get_public_schema_name()):
        template = Tenant.objects.filter(schema_name=template_schema_name()).first()
        if template is None:
            template = Tenant(
                schema_name=template_schema_name(),
                name="Template",
                is_template=True,
                is_active=False,
            )
            template.save(verbosity=0)
    return template


def create_tenant(
    schema,
    name,
    domain,
    *,
    short_name="",
    contact_email="",
    admin_email=None,
    branding=None,
    options=None,
):
    """Create a tenant by cloning the template and let the portal set it up.

    Validates everything first; on any failure after the schema was created,
    the tenant and its schema are removed again, so bad input changes nothing.
    """
    validate_schema_name(schema)
    domain = validate_domain(domain)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ProvisioningError("A tenant needs a name of 1 to 200 characters.")
    for email in filter(None, [contact_email, admin_email]):
        try:
            validate_email(email)
        except ValidationError:
            raise ProvisioningError(f"Invalid e-mail address {email!r}.") from None
    branding = dict(branding or {})
    started = time.perf_counter()
    with schema_context(get_public_schema_name()):
        if Tenant.objects.filter(schema_name=schema).exists() or schema_exists(schema):
            raise ProvisioningError(f"A tenant with the schema {schema!r} exists already.")
        if Domain.objects.filter(domain=domain).exists():
            raise ProvisioningError(f"The domain {domain!r} is taken by another tenant.")
        tenant = Tenant(
            schema_name=schema,
            name=name,
            short_name=short_name,
            contact_email=contact_email or admin_email or "",
            **branding,
        )
        try:
            tenant.full_clean(exclude=["schema_name"])
        except ValidationError as error:
            raise ProvisioningError("; ".join(error.messages)) from None
        ensure_template()
        try:
            tenant.save(verbosity=0)
            Domain.objects.create(domain=domain, tenant=tenant, is_primary=True)
            details = {}
            with tenant_context(tenant):
                for _receiver, result in tenant_provisioned.send(
                    sender=Tenant, tenant=tenant, admin_email=admin_email, options=options or {}
                ):
                    if isinstance(result, dict):
                        details.update(result)
        except BaseException:
            connection.set_schema_to_public()
            tenant.delete(force_drop=True)
            raise
    return ProvisionResult(tenant=tenant, seconds=time.perf_counter() - started, details=details)


def is_protected_schema(schema):
    """The platform's own schema and the template: never deleted, never listed as tenants."""
    return schema in {get_public_schema_name(), template_schema_name()}


def get_tenant(schema):
    if is_protected_schema(schema):
        raise ProvisioningError(f"There is no tenant with the schema {schema!r}: it belongs to the platform.")
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(schema_name=schema, is_template=False).first()
    if tenant is None or schema == get_public_schema_name():
        raise ProvisioningError(f"There is no tenant with the schema {schema!r}.")
    return tenant


def list_tenants():
    with schema_context(get_public_schema_name()):
        return list(
            Tenant.objects.filter(is_template=False)
            .exclude(schema_name=get_public_schema_name())
            .prefetch_related("domains")
            .order_by("schema_name")
        )


def set_active(schema, active):
    tenant = get_tenant(schema)
    with schema_context(get_public_schema_name()):
        tenant.is_active = active
        tenant.save(update_fields=["is_active"])
    return tenant


def delete_tenant(schema):
    """Drop the tenant's schema with all its data, and its media files."""
    import shutil
    from pathlib import Path

    tenant = get_tenant(schema)  # refuses the public schema and the template
    if is_protected_schema(tenant.schema_name):  # belt and braces: a dropped public schema is fatal
        raise ProvisioningError(f"The schema {schema!r} cannot be deleted.")
    with schema_context(get_public_schema_name()), transaction.atomic():
        tenant.delete(force_drop=True)
    media = Path(settings.MEDIA_ROOT) / schema
    if media.is_dir():
        shutil.rmtree(media)
