"""The editing areas open only to sessions that passed the second factor (issue 7, item 1).

Whatever route authenticated a session - allauth, Wagtail's forms, Django's login in
code - the Wagtail admin (wherever it is mounted) and the events module's admin views
open only when allauth recorded the second factor for this very session.
"""

import re
import time
import uuid

import pytest
from allauth.mfa.totp.internal.auth import hotp_value
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from .factories import PASSWORD, add_totp, login_with_second_factor, make_user

EDITOR = "redaktion-mfa@example.org"


def _code(secret):
    return f"{hotp_value(secret, int(time.time()) // 30):06d}"


@pytest.fixture
def editor(tenant_a):
    with tenant_context(tenant_a):
        user = make_user(EDITOR, is_superuser=True, is_staff=True)
        return user, add_totp(user)


def test_wagtail_frontend_login_is_no_login(tenant_a, client_a, editor):
    """/_util/login/ (Wagtail's password-only form for private pages) logs nobody in."""
    response = client_a.get("/_util/login/?next=/privat/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/login/?next=/privat/"
    client_a.post("/_util/login/", {"username": EDITOR, "password": PASSWORD})
    assert "_auth_user_id" not in client_a.session
    assert client_a.get("/admin/").status_code == 302
    assert client_a.get("/admin/")["Location"].startswith("/konto/login/")


def test_private_pages_send_visitors_to_allauth(settings):
    from wagtail.wagtail_hooks import require_wagtail_login

    assert settings.WAGTAIL_FRONTEND_LOGIN_URL == "account_login"
    with override_settings(ROOT_URLCONF="beteiligung.project.urls_tenant"):
        response = require_wagtail_login(next="/dokumente/1/x.pdf")
    assert response["Location"].startswith("/konto/login/?next=")


def test_password_only_session_is_asked_for_the_second_factor(tenant_a, client_a, editor):
    user, secret = editor
    with tenant_context(tenant_a):
        client_a.force_login(user)  # what any password-only login does
    response = client_a.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/2fa/reauthenticate/?next=%2Fadmin%2Fpages%2F"
    # The events module's admin views (participants, exports) are behind it too.
    export = client_a.get("/admin/veranstaltungen/1/export.csv")
    assert export.status_code == 302
    assert export["Location"].startswith("/konto/2fa/reauthenticate/")
    # Confirming with the authenticator app opens the admin for this session.
    response = client_a.post("/konto/2fa/reauthenticate/?next=/admin/pages/",
                             {"code": _code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/pages/"
    assert client_a.get("/admin/").status_code == 200


def test_records_of_another_user_do_not_count(tenant_a, client_a, editor):
    user, _ = editor
    with tenant_context(tenant_a):
        other = make_user("andere@example.org", is_superuser=True, is_staff=True)
        add_totp(other)
        login_with_second_factor(client_a, other)
        client_a.force_login(user)  # same browser, another account, password only
    assert client_a.get("/admin/")["Location"].startswith("/konto/2fa/reauthenticate/")


def test_login_with_second_factor_opens_admin(tenant_a, client_a, editor):
    user, secret = editor
    response = client_a.post("/konto/login/", {"login": EDITOR, "password": PASSWORD})
    assert response["Location"] == "/konto/2fa/authenticate/"
    client_a.post("/konto/2fa/authenticate/", {"code": _code(secret)})
    assert client_a.get("/admin/").status_code == 200
    assert client_a.get("/admin/veranstaltungen/999999/export.csv").status_code == 404


def test_setting_up_the_authenticator_counts_as_second_factor(tenant_a, client_a, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    with tenant_context(tenant_a):
        make_user("neu-redaktion@example.org", is_superuser=True, is_staff=True)
    client_a.post("/konto/login/", {"login": "neu-redaktion@example.org", "password": PASSWORD})
    assert client_a.get("/admin/")["Location"] == "/konto/2fa/totp/activate/"
    # allauth asks for the password again before a device is added.
    client_a.post("/konto/reauthenticate/", {"password": PASSWORD})
    page = client_a.get("/konto/2fa/totp/activate/")
    assert page.status_code == 200, (page.status_code, page.get("Location"))
    secret = page.context["form"].secret
    with django_capture_on_commit_callbacks() as after_commit:
        response = client_a.post("/konto/2fa/totp/activate/", {"code": _code(secret)})
    assert response.status_code == 302, response.content
    # In production the request commits while it runs; here its on-commit work runs
    # after the test client returned, so it gets a request of the same host again.
    from allauth.core import context
    from django.test import RequestFactory

    with tenant_context(tenant_a), context.request_context(
            RequestFactory(HTTP_HOST="alpha.localhost").get("/konto/2fa/totp/activate/")):
        for callback in after_commit:
            callback()
    assert client_a.get("/admin/").status_code == 200
    # Whoever knows the password sets up the first authenticator: the owner is told.
    assert [m.to for m in mailoutbox] == [["neu-redaktion@example.org"]]


def test_redirects_after_login_stay_on_this_tenant(tenant_a, client_a):
    """allauth would follow ?next= to any host matching ALLOWED_HOSTS, another tenant's
    portal included; only this host (or a relative path) is followed."""
    with tenant_context(tenant_a):
        make_user("weiter@example.org")
    for target, expected in (("http://beta.localhost/verfahren/", "/"),
                             ("http://alpha.localhost.evil.example/", "/"),
                             ("/verfahren/", "/verfahren/")):
        response = client_a.post("/konto/login/", {
            "login": "weiter@example.org", "password": PASSWORD, "next": target})
        assert response.status_code == 302 and response["Location"] == expected, target
        client_a.post("/konto/logout/")


# --- the admin mounted elsewhere ----------------------------------------------------------


def test_admin_mounted_elsewhere_still_requires_the_second_factor(tenant_a, client_a, editor):
    user, secret = editor
    with override_settings(ROOT_URLCONF="tests.urls_admin_elsewhere"):
        with tenant_context(tenant_a):
            client_a.force_login(user)
        assert client_a.get("/admin/").status_code == 404
        response = client_a.get("/cms/")
        assert response.status_code == 302
        assert response["Location"].startswith("/konto/2fa/reauthenticate/?next=%2Fcms%2F")
        client_a.post("/konto/2fa/reauthenticate/", {"code": _code(secret)})
        assert client_a.get("/cms/").status_code == 200


# --- every route that accepts credentials -----------------------------------------------

SAMPLE = {"int": "1", "str": "x", "slug": "x", "path": "x/y", "uuid": str(uuid.uuid4())}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _example(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _example(entry.pattern)


def _example(pattern):
    """A concrete path piece matching ``pattern`` (sample values for its arguments)."""
    text = str(pattern)
    if hasattr(pattern, "converters"):  # RoutePattern
        return re.sub(
            r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "1"), text
        )
    text = text.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\.", ".")
    return re.sub(r"\(\?P<\w+>[^)]*\)\??", "x", text).replace("\\", "")


def credential_routes(urlconf):
    """Every URL of ``urlconf`` (with sample arguments) that resolves to a view."""
    seen = []
    for path in _walk(get_resolver(urlconf).url_patterns):
        try:
            resolve("/" + path, urlconf=urlconf)
        except Resolver404:
            continue
        if "/" + path not in seen:
            seen.append("/" + path)
    return seen


def _post_credentials_everywhere(host, email, urlconf, admin_path):
    """POST the credentials to every route; return the routes after which the session
    was logged in, and those after which the admin opened."""
    logged_in, opened = [], []
    routes = credential_routes(urlconf)
    for path in routes:
        client = Client(HTTP_HOST=host, raise_request_exception=False)
        client.post(path, {
            "login": email, "email": email, "username": email, "password": PASSWORD,
            "password1": PASSWORD, "password2": PASSWORD, "remember": "on",
        })
        if "_auth_user_id" in client.session:
            logged_in.append(path)
        if client.get(admin_path).status_code == 200:
            opened.append(path)
    return routes, logged_in, opened


@pytest.mark.slow
def test_no_tenant_route_opens_the_admin_without_second_factor(tenant_a, editor):
    with tenant_context(tenant_a):
        make_user("unbestaetigt@example.org", verified=False, is_superuser=True, is_staff=True)
    routes, logged_in, opened = _post_credentials_everywhere(
        "alpha.localhost", EDITOR, "beteiligung.project.urls_tenant", "/admin/"
    )
    # The walk really reached the credential forms (and the old Wagtail one).
    for expected in ("/konto/login/", "/konto/signup/", "/_util/login/", "/admin/login/",
                     "/konto/2fa/authenticate/", "/konto/2fa/reauthenticate/"):
        assert expected in routes
    assert len(routes) > 200
    assert logged_in == [] and opened == []
    # An unverified address gets no session through any route either.
    _, logged_in, opened = _post_credentials_everywhere(
        "alpha.localhost", "unbestaetigt@example.org", "beteiligung.project.urls_tenant", "/admin/"
    )
    assert logged_in == [] and opened == []


@pytest.mark.slow
def test_no_platform_route_opens_the_operators_admin_without_second_factor(db):
    with schema_context(get_public_schema_name()):
        operator = make_user("betrieb-mfa@example.org", is_superuser=True, is_staff=True)
        add_totp(operator)
    routes, logged_in, opened = _post_credentials_everywhere(
        "localhost", "betrieb-mfa@example.org", "beteiligung.project.urls_public", "/admin/"
    )
    for expected in ("/konto/login/", "/admin/login/"):
        assert expected in routes
    assert logged_in == [] and opened == []
