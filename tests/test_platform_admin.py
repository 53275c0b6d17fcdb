"""The platform's own tenant row (public schema) and the template cannot be deleted on
any path: service, CLI, the operators' admin and its bulk action. Ordinary tenants
deleted in bulk go through the same service as ``beteiligung tenant delete``."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django_tenants.utils import schema_exists

from tenants.models import Tenant
from tenants.services import ProvisioningError, create_tenant, delete_tenant

from .factories import add_totp, login_with_second_factor


@pytest.mark.parametrize("schema", ["public", "tenant_template"])
def test_service_refuses_platform_schemas(db, schema):
    with pytest.raises(ProvisioningError):
        delete_tenant(schema)
    assert schema_exists(schema) and Tenant.objects.filter(schema_name=schema).exists()


@pytest.mark.parametrize("schema", ["public", "tenant_template"])
def test_cli_refuses_platform_schemas(db, schema):
    with pytest.raises(CommandError):
        call_command("tenant", "delete", "--schema", schema, "--yes")
    assert schema_exists(schema)


def test_model_refuses_to_drop_public(db):
    with pytest.raises(PermissionError):
        Tenant.objects.get(schema_name="public").delete(force_drop=True)
    assert schema_exists("public")


@pytest.fixture
def operator(db):
    user = get_user_model().objects.create_superuser("betrieb", "betrieb@example.org", "x-Passwort-123")
    add_totp(user)  # operators' admin: second factor required, like the editors'
    client = Client(HTTP_HOST="localhost")
    login_with_second_factor(client, user)
    return client


def test_admin_neither_lists_nor_deletes_the_platform_tenant(operator):
    public = Tenant.objects.get(schema_name="public")
    listing = operator.get("/admin/tenants/tenant/").content.decode()
    assert "Land Alpha" in listing
    assert f'value="{public.pk}"' not in listing  # no checkbox for the platform's row
    response = operator.get(f"/admin/tenants/tenant/{public.pk}/delete/")
    assert response.status_code == 302  # "does not exist", no confirmation page
    operator.post(f"/admin/tenants/tenant/{public.pk}/delete/", {"post": "yes"})
    assert schema_exists("public") and Tenant.objects.filter(pk=public.pk).exists()


def test_admin_bulk_delete_goes_through_the_service(operator):
    create_tenant("gamma", "Land Gamma", "gamma.localhost")
    gamma = Tenant.objects.get(schema_name="gamma")
    media = Path(settings.MEDIA_ROOT) / "gamma"
    media.mkdir(parents=True, exist_ok=True)
    (media / "datei.txt").write_text("gamma")
    public = Tenant.objects.get(schema_name="public")
    template = Tenant.objects.get(schema_name="tenant_template")
    selected = {"action": "delete_selected", "_selected_action": [gamma.pk, public.pk, template.pk]}
    try:
        confirm = operator.post("/admin/tenants/tenant/", selected)
        assert confirm.status_code == 200
        page = confirm.content.decode()
        assert "Land Gamma" in page and "Beteiligungsportal" not in page.split("<main")[-1]
        response = operator.post("/admin/tenants/tenant/", {**selected, "post": "yes"})
        assert response.status_code == 302
        assert not Tenant.objects.filter(schema_name="gamma").exists()
        assert not schema_exists("gamma")
        assert not media.exists(), "media files are removed as by `tenant delete`"
        assert schema_exists("public") and schema_exists("tenant_template")
        assert Tenant.objects.filter(pk__in=[public.pk, template.pk]).count() == 2
    finally:
        if Tenant.objects.filter(schema_name="gamma").exists():
            delete_tenant("gamma")
