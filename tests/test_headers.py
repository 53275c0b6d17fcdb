"""Security headers: CSP and Permissions-Policy on every page type, no other origins.

The browser half (the policies do not break the portal or the editor) lives in
tests/test_csp_browser.py.
"""

import base64
import hashlib
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import hotp_value
from django.test import Client
from django.urls import reverse
from django_tenants.utils import tenant_context

from .events.conftest import make_event
from .factories import PASSWORD, add_totp, home_page, make_authority, make_procedure, make_user

HOST = "alpha.localhost"


def _policy(response):
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split("; ") if d}


def _assert_strict_portal_policy(response):
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"], policy
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    # Every inline <style> of the page is allowed by its hash; there is no inline script.
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for css in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S):
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["style-src"], css


@pytest.fixture
def portal_pages(tenant_a):
    from modules.events import services

    from .events.conftest import data

    with tenant_context(tenant_a):
        authority = make_authority("Stadt Kopfzeile")
        procedure = make_procedure(authority, "Radwege")
        event = make_event(authority, title="Versammlung Kopfzeile")
        registration = services.register(event, data("kopf@example.org"))
        signed = services.signed_token(registration)
        return [
            home_page().url, "/verfahren/", authority.url, procedure.url, event.url,
            f"/veranstaltungen/{event.pk}/anmeldung/",
            reverse("events:manage", args=[signed]),
            reverse("events:confirm", args=[signed]),
            "/konto/login/", "/konto/signup/", "/konto/password/reset/",
            "/gibt-es-nicht/",
        ]


def test_every_portal_page_type_has_strict_csp_and_permissions_policy(portal_pages):
    client = Client(HTTP_HOST=HOST)
    for url in portal_pages:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        _assert_strict_portal_policy(response)


def test_brand_colours_are_allowed_by_hash_and_change_with_the_tenant(tenant_a, tenant_b):
    home_a = Client(HTTP_HOST=HOST).get("/")
    home_b = Client(HTTP_HOST="beta.localhost").get("/")
    _assert_strict_portal_policy(home_a)
    assert "--brand:" in home_a.content.decode()
    tenant_b.primary_color = "#123456"
    from django.db import connection

    connection.set_schema_to_public()
    tenant_b.save()
    from tenants.middleware import clear_host_cache

    clear_host_cache()
    home_b = Client(HTTP_HOST="beta.localhost").get("/")
    assert "--brand: #123456" in home_b.content.decode()
    _assert_strict_portal_policy(home_b)
    assert _policy(home_a)["style-src"] != _policy(home_b)["style-src"]


def test_platform_host_pages_have_strict_csp(db):
    client = Client(HTTP_HOST="localhost")
    for url in ("/", "/konto/login/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_strict_portal_policy(response)


def test_error_pages_have_strict_csp(tenant_a):
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    response = client.post("/konto/login/", {"login": "x@example.org", "password": "x"})
    assert response.status_code == 403
    _assert_strict_portal_policy(response)


def login_editor(client, email):
    """Log an editor in the way the portal requires (allauth, then the TOTP code)."""
    user = make_user(email, is_superuser=True, is_staff=True)
    secret = add_totp(user)
    response = client.post("/konto/login/", {"login": email, "password": PASSWORD})
    assert response["Location"] == "/konto/2fa/authenticate/"
    code = hotp_value(secret, int(time.time()) // 30)
    response = client.post("/konto/2fa/authenticate/", {"code": f"{code:06d}"})
    assert response.status_code == 302
    return user


@pytest.fixture
def editor_client(tenant_a):
    client = Client(HTTP_HOST=HOST)
    with tenant_context(tenant_a):
        login_editor(client, "kopfzeile@example.org")
    return client


def _admin_urls(tenant_a):
    with tenant_context(tenant_a):
        page = home_page()
    return ["/admin/", f"/admin/pages/{page.pk}/edit/", f"/admin/pages/{page.pk}/",
            "/admin/account/", "/admin/images/", "/admin/documents/"]


LOADING_ATTRIBUTES = re.compile(
    r"""<(?P<tag>[a-z]+)\b[^>]*?\s(?:src|srcset|poster|data-src)=["'](?P<url>[^"']+)["']"""
    r"""|<link\b[^>]*?\shref=["'](?P<link>[^"']+)["']"""
    r"""|url\((?P<css>[^)]+)\)""",
    re.I,
)


def _foreign_resources(html):
    """Absolute URLs to another origin that the page would load (not mere links)."""
    found = []
    for match in LOADING_ATTRIBUTES.finditer(html):
        url = (match["url"] or match["link"] or match["css"] or "").strip("'\" ")
        for candidate in url.split(","):  # srcset
            candidate = candidate.strip().split(" ")[0]
            if re.match(r"^(https?:)?//", candidate, re.I) and not re.match(
                rf"^(https?:)?//{re.escape(HOST)}(:\d+)?/", candidate
            ):
                found.append(candidate)
    return found


def test_admin_has_its_own_policy_and_loads_nothing_from_other_origins(tenant_a, editor_client):
    for url in _admin_urls(tenant_a):
        response = editor_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "gravatar" not in html, url
        assert _foreign_resources(html) == [], url
        policy = _policy(response)
        # The admin needs inline scripts (Wagtail 8), but still nothing from elsewhere.
        assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
        for directive in ("default-src", "style-src", "img-src", "connect-src", "frame-src"):
            assert all(not re.match(r"https?:|//|\*", s) for s in policy.get(directive, [])), directive
        assert "camera=(self)" in response["Permissions-Policy"]
        assert "microphone=()" in response["Permissions-Policy"]


def test_admin_policy_follows_the_admin_wherever_it_is_mounted(tenant_a):
    from beteiligung.project import security

    def request(path, urlconf):
        return type("R", (), {"path_info": path, "urlconf": urlconf})()

    assert security.is_admin_request(request("/admin/pages/", None))
    assert not security.is_admin_request(request("/konto/login/", None))
    # Mounted at /cms/ (tests/urls_admin_elsewhere.py): resolved, not a literal /admin/.
    assert security.is_admin_request(request("/cms/pages/", "tests.urls_admin_elsewhere"))
    assert not security.is_admin_request(request("/admin/pages/", "tests.urls_admin_elsewhere"))


def test_account_pages_allow_forms_to_the_tenants_identity_provider_only(tenant_a):
    from allauth.socialaccount.models import SocialApp

    with tenant_context(tenant_a):
        SocialApp.objects.create(
            provider="openid_connect", provider_id="land", name="Landeskonto",
            client_id="portal", secret="s",
            settings={"server_url": "https://id.land.example/realms/buerger"},
        )
    client = Client(HTTP_HOST=HOST)
    login = _policy(client.get("/konto/login/"))
    assert login["form-action"] == ["'self'", "https://id.land.example"]
    # The provider's own login page (a POST form that redirects to the provider).
    provider_login = _policy(client.get("/konto/oidc/land/login/"))
    assert provider_login["form-action"] == ["'self'", "https://id.land.example"]
    assert _policy(client.get("/verfahren/"))["form-action"] == ["'self'"]
    assert _policy(Client(HTTP_HOST="beta.localhost").get("/konto/login/"))["form-action"] == ["'self'"]
