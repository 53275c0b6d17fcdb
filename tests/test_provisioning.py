"""``beteiligung tenant ...``: provisioning and its bad-input errors."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists, tenant_context

from tenants.models import Domain, Tenant


def _state():
    with schema_context("public"):
        return (
            sorted(Tenant.objects.values_list("schema_name", flat=True)),
            sorted(Domain.objects.values_list("domain", flat=True)),
        )


def _schemas():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def cleanup():
    created = []
    yield created
    from tenants.services import delete_tenant

    for schema in created:
        if Tenant.objects.filter(schema_name=schema).exists():
            delete_tenant(schema)


def test_create_tenant_clones_and_sets_up_portal(db, cleanup, capsys):
    from wagtail.models import Site

    from beteiligung.models import HomePage, PortalSettings, ProcedureIndexPage

    cleanup.append("gamma")
    call_command(
        "tenant", "create", "--schema", "gamma", "--name", "Land Gamma",
        "--domain", "gamma.localhost", "--admin-email", "a@b.de",
    )
    out = capsys.readouterr().out
    assert "Created tenant gamma" in out
    assert "http://gamma.localhost:8000/konto/password/reset/key/" in out
    tenant = Tenant.objects.get(schema_name="gamma")
    assert schema_exists("gamma")
    with tenant_context(tenant):
        site = Site.objects.get()
        assert site.hostname == "gamma.localhost" and site.is_default_site
        home = HomePage.objects.get()
        assert site.root_page_id == home.pk
        assert ProcedureIndexPage.objects.child_of(home).exists()
        settings = PortalSettings.for_site(site)
        assert settings.imprint_page and settings.privacy_page and settings.accessibility_page
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.get(email="a@b.de")
        assert admin.is_superuser and not admin.has_usable_password()
    # The set-password mail links to the tenant's own domain.
    assert len(mail.outbox) == 1
    assert "http://gamma.localhost:8000/konto/password/reset/key/" in mail.outbox[0].body


def test_set_password_link_works_once(db, cleanup):
    import re

    from django.test import Client

    cleanup.append("delta")
    call_command("tenant", "create", "--schema", "delta", "--name", "Land Delta",
                 "--domain", "delta.localhost", "--admin-email", "chef@delta.de")
    link = re.search(r"http://delta\.localhost:8000(\S+)", mail.outbox[-1].body).group(1)
    client = Client(HTTP_HOST="delta.localhost")
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    new = "Ein-neues-Passwort-2026"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    with tenant_context(Tenant.objects.get(schema_name="delta")):
        from django.contrib.auth import get_user_model

        assert get_user_model().objects.get(email="chef@delta.de").check_password(new)
    # A second use of the same link is refused.
    response = Client(HTTP_HOST="delta.localhost").get(link, follow=True)
    assert "ungültig".encode() in response.content or b"invalid" in response.content.lower()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--schema", "alpha", "--domain", "neu.localhost"], "exists already"),
        (["--schema", "public", "--domain", "neu.localhost"], "reserved"),
        (["--schema", "pg_catalog2", "--domain", "neu.localhost"], "reserved"),
        (["--schema", "tenant_template", "--domain", "neu.localhost"], "reserved"),
        (["--schema", "Gross", "--domain", "neu.localhost"], "Invalid schema name"),
        (["--schema", "a; DROP SCHEMA alpha", "--domain", "neu.localhost"], "Invalid schema name"),
        (["--schema", "x" * 41, "--domain", "neu.localhost"], "Invalid schema name"),
        (["--schema", "neu", "--domain", "alpha.localhost"], "taken"),
        (["--schema", "neu", "--domain", "localhost"], "platform"),
        (["--schema", "neu", "--domain", "evil host"], "Invalid domain"),
        (["--schema", "neu", "--domain", "neu.localhost", "--admin-email", "a@b"], "Invalid e-mail"),
        (["--schema", "neu", "--domain", "neu.localhost", "--primary-color", "red"], "#RRGGBB"),
    ],
)
def test_bad_input_is_refused_with_one_line_and_changes_nothing(db, args, message):
    before, schemas_before = _state(), _schemas()
    with pytest.raises(CommandError) as error:
        call_command("tenant", "create", "--name", "Neu", *args)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert _state() == before
    assert _schemas() == schemas_before
    assert mail.outbox == []


def test_failure_during_setup_removes_the_half_made_tenant(db, monkeypatch):
    from tenants.signals import tenant_provisioned

    def broken(**kwargs):
        raise RuntimeError("boom")

    before = _state()
    tenant_provisioned.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            call_command("tenant", "create", "--schema", "kaputt", "--name", "Kaputt",
                         "--domain", "kaputt.localhost")
    finally:
        tenant_provisioned.disconnect(dispatch_uid="test-broken")
    assert _state() == before
    assert not schema_exists("kaputt")


def test_list_deactivate_activate_delete(db, cleanup, capsys):
    cleanup.append("epsilon")
    call_command("tenant", "create", "--schema", "epsilon", "--name", "Land Epsilon",
                 "--domain", "epsilon.localhost")
    call_command("tenant", "list")
    out = capsys.readouterr().out
    assert "epsilon" in out and "alpha" in out and "tenant_template" not in out
    call_command("tenant", "deactivate", "--schema", "epsilon")
    assert not Tenant.objects.get(schema_name="epsilon").is_active
    call_command("tenant", "activate", "--schema", "epsilon")
    assert Tenant.objects.get(schema_name="epsilon").is_active
    with pytest.raises(CommandError, match="confirmation"):
        call_command("tenant", "delete", "--schema", "epsilon")
    assert schema_exists("epsilon")
    call_command("tenant", "delete", "--schema", "epsilon", "--yes")
    assert not schema_exists("epsilon")
    assert not Tenant.objects.filter(schema_name="epsilon").exists()
    with pytest.raises(CommandError, match="no tenant"):
        call_command("tenant", "delete", "--schema", "epsilon", "--yes")
    with pytest.raises(CommandError, match="no tenant"):
        call_command("tenant", "deactivate", "--schema", "public")


def test_add_authority_command(tenant_a, capsys):
    call_command("tenant", "add-authority", "--schema", "alpha", "--name", "Ministerium für Test",
                 "--short-name", "MfT")
    assert "Redaktion Ministerium für Test" in capsys.readouterr().out
    with pytest.raises(CommandError, match="bereits"):
        call_command("tenant", "add-authority", "--schema", "alpha", "--name",
                     "Ministerium für Test", "--short-name", "MfT")


def test_configure_oidc_is_per_tenant(tenant_a, tenant_b, client_a, client_b):
    from allauth.socialaccount.models import SocialApp

    from .oidc_support import discovery_server

    with discovery_server() as issuer:
        call_command("tenant", "configure-oidc", "--schema", "alpha", "--provider-id",
                     "servicekonto", "--name", "Servicekonto Alpha", "--server-url", issuer,
                     "--client-id", "portal", "--secret", "s3cret")
    with tenant_context(tenant_a):
        assert SocialApp.objects.get(provider_id="servicekonto").client_id == "portal"
    with tenant_context(tenant_b):
        assert not SocialApp.objects.exists()
    assert b"Servicekonto Alpha" in client_a.get("/konto/login/").content
    assert b"Servicekonto Alpha" not in client_b.get("/konto/login/").content
