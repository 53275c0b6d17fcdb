"""The platform host and the error pages: never a 5xx for unknown paths, no module's
route (tried with a tenant's real ids), German 404 and 500 pages in the tenant's layout
(and the platform's), robots.txt."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import path

from beteiligung.project import urls_tenant

from .dialog.routes import ROUTES, SECRETS, dialog_of_a, route_id

PLATFORM_PATHS = [
    "/favicon.ico", "/robots.txt", "/x/y", "/gibt-es-nicht/", "/admin/login/",
    "/admin/login/?next=/admin/", "/admin/login/?next=//evil.example/", "/admin/x/",
    "/veranstaltungen/anmeldung/eyJpZCI6MX0:1tAbCd:signatur/",
    "/veranstaltungen/anmeldung/eyJpZCI6MX0:1tAbCd:signatur/stornieren/",
    "/veranstaltungen/1/anmeldung/", "/dokumente/1/x", "/dokumente/1/x.html",
    "/media/alpha/documents/x.html", "/konto/login/", "/verfahren/",
]


@pytest.mark.parametrize("url", PLATFORM_PATHS)
def test_platform_host_never_answers_5xx(db, url):
    for client in (Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost:8000")):
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code == 404:
            assert "Seite nicht gefunden" in response.content.decode()


@pytest.fixture
def operator(db, settings):
    """A platform operator logged in with a second factor (the operators' admin)."""
    from django.contrib.auth import get_user_model

    from .factories import add_totp, login_with_second_factor

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # set-up speed
    user = get_user_model().objects.create_superuser("betrieb", "betrieb@example.org", "x-Passwort-123")
    add_totp(user)
    client = Client(HTTP_HOST="localhost")
    login_with_second_factor(client, user)
    return client


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_dialog_routes_do_not_exist_on_the_platform_host(route, tenant_a, operator):
    """Every route of the dialog module with tenant A's path, ids and signed links: the
    platform host has no such page (its admin sends a visitor to log in first)."""
    a = dialog_of_a(tenant_a)
    connection.set_schema_to_public()
    method, template = route
    path = template.format(**a.values)
    for who, client in (("anonymous", Client(HTTP_HOST="localhost")), ("operator", operator)):
        response = client.get(path) if method == "GET" else client.post(path, {"text": "x"})
        content = response.content.decode(errors="replace")
        assert not [secret for secret in SECRETS if secret in content], (who, path)
        if path.startswith("/admin/") and who == "anonymous":
            assert response.status_code == 302, (who, path)
            assert response["Location"].startswith("/admin/login/?next=/admin/dialog/"), (who, path)
        else:
            assert response.status_code == 404, (who, path, response.status_code)
            assert "Seite nicht gefunden" in content


def test_platform_404_is_german_in_the_platform_layout(db):
    response = Client(HTTP_HOST="localhost").get("/favicon.ico")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Seite nicht gefunden" in content and "Beteiligungsportale" in content
    assert '<html lang="de">' in content


def test_robots_txt_for_platform_and_tenants(client_a):
    platform = Client(HTTP_HOST="localhost").get("/robots.txt")
    tenant = client_a.get("/robots.txt")
    for response in (platform, tenant):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        assert "Disallow: /admin/" in response.content.decode()
    assert "Disallow: /konto/" in tenant.content.decode()


def test_tenant_404_is_german_in_the_tenant_layout(client_a):
    response = client_a.get("/gibt-es-nicht/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Seite nicht gefunden" in content
    assert "Land Alpha" in content and "portal.css" in content  # the tenant's layout
    assert "Impressum" in content and "Datenschutz" in content  # its footer links


def _boom(request):
    """A view that breaks the database connection's transaction, then fails."""
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT * FROM no_such_table_at_all")
        except Exception:
            pass
    raise RuntimeError("kaputt")


urlpatterns = [path("kaputt/", _boom), *urls_tenant.urlpatterns]
handler500 = "beteiligung.portal.errors.server_error"


@pytest.fixture
def broken_urls(settings):
    import beteiligung.project.urls_public
    import beteiligung.project.urls_tenant

    # The real handlers of both URLconfs, with one failing view in front.
    settings.ROOT_URLCONF = "tests.test_platform_host"
    settings.PUBLIC_SCHEMA_URLCONF = "tests.test_platform_host"
    return beteiligung.project.urls_tenant.handler500, beteiligung.project.urls_public.handler500


def test_500_pages_are_german_and_render_with_a_broken_database(tenant_a, broken_urls):
    assert broken_urls == (handler500, handler500)
    tenant = Client(HTTP_HOST="alpha.localhost", raise_request_exception=False)
    response = tenant.get("/kaputt/")
    assert response.status_code == 500
    content = response.content.decode()
    assert "ist leider ein Fehler aufgetreten" in content or "Entschuldigung" in content
    assert "Land Alpha" in content and "portal.css" in content
    platform = Client(HTTP_HOST="localhost", raise_request_exception=False)
    response = platform.get("/kaputt/")
    assert response.status_code == 500
    assert "Entschuldigung" in response.content.decode()
