"""Tenant routing: unknown hosts, inactive tenants, the platform page, hostile hosts."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenants.middleware import lookup_tenant


def test_unknown_host_gets_rendered_404(db):
    response = Client(HTTP_HOST="unbekannt.localhost").get("/")
    assert response.status_code == 404
    assert b"<h1>" in response.content
    assert b"Traceback" not in response.content


def test_inactive_tenant_gets_maintenance_page(tenant_a, client_a):
    from tenants.services import set_active

    set_active("alpha", False)
    try:
        response = client_a.get("/")
        assert response.status_code == 503
        assert b"Wartung" in response.content or b"maintenance" in response.content
        assert response["Retry-After"]
        assert client_a.get("/konto/login/").status_code == 503
    finally:
        set_active("alpha", True)
    assert client_a.get("/").status_code == 200


def test_platform_page_lists_active_tenants_only(tenant_a, tenant_b):
    from tenants.services import set_active

    set_active("beta", False)
    try:
        response = Client(HTTP_HOST="localhost").get("/")
        assert response.status_code == 200
        assert b"Land Alpha" in response.content
        assert b"http://alpha.localhost" in response.content
        assert b"Land Beta" not in response.content
        assert b"Template" not in response.content
    finally:
        set_active("beta", True)


def test_host_cache_sees_new_domains_at_once(tenant_a):
    from tenants.models import Domain

    assert lookup_tenant("zweite.localhost") is None
    with schema_context("public"):
        Domain.objects.create(domain="zweite.localhost", tenant=tenant_a, is_primary=False)
    assert lookup_tenant("zweite.localhost").schema_name == "alpha"
    assert Client(HTTP_HOST="zweite.localhost").get("/").status_code == 200


def test_tenant_lookup_is_cached_in_process(tenant_a, client_a, django_assert_max_num_queries):
    client_a.get("/healthz")
    with django_assert_max_num_queries(0):
        assert client_a.get("/healthz").status_code == 200


@pytest.mark.parametrize("field", ["headers_hosts", "sql_and_shell", "xss"])
def test_hostile_hosts_never_500(db, hostile_inputs, field):
    for host in hostile_inputs[field]:
        response = Client(HTTP_HOST=host).get("/")
        if host.split(":")[0] == "localhost":  # the platform itself, port ignored
            assert response.status_code == 200
        else:
            assert response.status_code in (400, 404), (host, response.status_code)


def test_german_by_default_english_on_request(tenant_a, client_a):
    english_browser = client_a.get("/verfahren/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Verfahren filtern" in english_browser.content.decode()
    assert english_browser["Content-Language"] == "de"
    response = client_a.post("/i18n/setlang/", {"language": "en", "next": "/verfahren/"})
    assert response.status_code == 302
    assert "Filter procedures" in client_a.get("/verfahren/").content.decode()
    client_a.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert "Filter procedures" in client_a.get("/verfahren/").content.decode()


def test_portal_settings_cache_is_per_tenant_and_cleared_on_save(tenant_a, client_a, client_b):
    from django_tenants.utils import tenant_context
    from wagtail.models import Site

    from beteiligung.models import PortalSettings

    assert "kontakt@alpha.example" not in client_a.get("/").content.decode()
    with tenant_context(tenant_a):
        settings = PortalSettings.for_site(Site.objects.get())
        settings.contact_email = "kontakt@alpha.example"
        settings.save()
    assert "kontakt@alpha.example" in client_a.get("/").content.decode()
    assert "kontakt@alpha.example" not in client_b.get("/").content.decode()
