"""State accounts via OpenID Connect (issue 7, item 14).

The login flow runs against a real provider (oidc-provider-mock, a dev dependency)
started on a free loopback port; the provider's failures answer the portal's German
error page; ``configure-oidc`` checks the discovery document before saving.
"""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.mfa.totp.internal.auth import hotp_value
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import tenant_context

from beteiligung.portal.accounts import configure_oidc

from .factories import add_totp
from .oidc_support import discovery_server, free_port

try:
    from oidc_provider_mock import run_server_in_thread
except ImportError:  # pragma: no cover - the dev extra installs it
    run_server_in_thread = None


def _configure(*server_url, provider_id="servicekonto"):
    return call_command(
        "tenant", "configure-oidc", "--schema", "alpha", "--provider-id", provider_id,
        "--name", "Servicekonto Alpha", "--server-url", *server_url,
        "--client-id", "portal", "--secret", "s3cret",
    )


def _apps(tenant):
    from allauth.socialaccount.models import SocialApp

    with tenant_context(tenant):
        return list(SocialApp.objects.values_list("provider_id", "settings"))


# --- configure-oidc ------------------------------------------------------------------------


def test_configure_oidc_refuses_an_unreachable_provider(tenant_a):
    url = f"http://127.0.0.1:{free_port()}/realms/portal"
    with pytest.raises(CommandError, match="Nothing saved: cannot fetch the discovery document"):
        _configure(url)
    assert _apps(tenant_a) == []


def test_configure_oidc_refuses_another_issuer(tenant_a):
    with discovery_server(issuer="https://login.example.org/realms/other") as base:
        with pytest.raises(CommandError, match="Nothing saved: the provider names the issuer"):
            _configure(base)
    assert _apps(tenant_a) == []


def test_configure_oidc_refuses_what_is_no_url(tenant_a):
    with pytest.raises(CommandError, match="Nothing saved: --server-url must be an http"):
        _configure("login.example.org")
    assert _apps(tenant_a) == []


def test_configure_oidc_normalizes_a_trailing_slash(tenant_a, capsys):
    with discovery_server() as base:
        _configure(base + "/")
    assert _apps(tenant_a) == [("servicekonto", {"server_url": base})]
    assert f"(issuer {base})" in capsys.readouterr().out


def test_configure_oidc_accepts_the_well_known_url(tenant_a):
    with discovery_server() as base:
        _configure(base + "/.well-known/openid-configuration")
    assert _apps(tenant_a) == [("servicekonto", {"server_url": base})]


# --- the provider fails at login -----------------------------------------------------------


def _assert_german_error_page(response):
    assert response.status_code == 503
    content = response.content.decode()
    assert "Anmeldung zurzeit nicht möglich" in content
    assert "Servicekonto Alpha" in content
    assert '<footer class="site-footer">' in content  # the portal's layout


def test_unreachable_provider_answers_the_german_error_page(tenant_a, client_a):
    with tenant_context(tenant_a):
        configure_oidc("servicekonto", "Servicekonto Alpha",
                       f"http://127.0.0.1:{free_port()}", "portal", "s3cret", check=False)
    _assert_german_error_page(client_a.post("/konto/oidc/servicekonto/login/"))


def test_provider_gone_at_the_callback_answers_the_german_error_page(tenant_a, client_a):
    with discovery_server() as base:
        with tenant_context(tenant_a):
            configure_oidc("servicekonto", "Servicekonto Alpha", base, "portal", "s3cret")
        start = client_a.post("/konto/oidc/servicekonto/login/")
        assert start.status_code == 302
        state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    # The provider went away between the button and the callback.
    response = client_a.get("/konto/oidc/servicekonto/login/callback/",
                            {"code": "abc", "state": state})
    _assert_german_error_page(response)


def test_stored_trailing_slash_answers_the_german_error_page(tenant_a, client_a):
    """A server URL saved before configure-oidc checked it (with a trailing slash)."""
    with discovery_server() as base:
        with tenant_context(tenant_a):
            configure_oidc("servicekonto", "Servicekonto Alpha", base, "portal", "s3cret")
            from allauth.socialaccount.models import SocialApp

            SocialApp.objects.filter(provider_id="servicekonto").update(
                settings={"server_url": base + "/sub/"}
            )
        _assert_german_error_page(client_a.post("/konto/oidc/servicekonto/login/"))


# --- the whole flow against a real provider ------------------------------------------------

provider_missing = pytest.mark.skipif(
    run_server_in_thread is None,
    reason="SKIPPED LOUDLY: oidc-provider-mock is not installed (pip install -e .[dev]); "
           "the OpenID Connect login flow is NOT tested",
)


@pytest.fixture
def provider():
    with run_server_in_thread(port=free_port()) as server:
        yield f"http://localhost:{server.server_port}"


def _login_via_provider(client, provider_url, sub, state=None):
    """Press the login button, consent at the provider as ``sub``, follow the callback."""
    start = client.post("/konto/oidc/servicekonto/login/")
    assert start.status_code == 302, start.content
    authorize = start["Location"]
    assert authorize.startswith(provider_url + "/oauth2/authorize?")
    consent = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    callback = urlsplit(consent.headers["Location"])
    assert callback.netloc == "alpha.localhost"
    query = {key: values[0] for key, values in parse_qs(callback.query).items()}
    if state is not None:
        query["state"] = state
    return client.get(callback.path, query)


@provider_missing
def test_login_through_a_real_provider(tenant_a, tenant_b, client_a, client_b, provider):
    from allauth.socialaccount.models import SocialAccount
    from django.contrib.auth import get_user_model

    User = get_user_model()
    requests.put(f"{provider}/users/anna-sub", timeout=10, json={
        "email": "anna@example.org", "email_verified": True, "name": "Anna Beispiel",
    }).raise_for_status()
    _configure(provider)

    response = _login_via_provider(client_a, provider, "anna-sub")
    assert response.status_code == 302, response.content
    assert "_auth_user_id" in client_a.session
    with tenant_context(tenant_a):
        account = SocialAccount.objects.get(uid="anna-sub")
        user_id = account.user_id
        assert account.user.email == "anna@example.org"
    with tenant_context(tenant_b):
        assert not User.objects.filter(email="anna@example.org").exists()
        assert not SocialAccount.objects.exists()
    # Tenant B has no provider configured: its button does not exist.
    assert client_b.post("/konto/oidc/servicekonto/login/").status_code == 404

    # The next login reuses the account.
    client_a.post("/konto/logout/")
    assert "_auth_user_id" not in client_a.session
    _login_via_provider(client_a, provider, "anna-sub")
    assert client_a.session["_auth_user_id"] == str(user_id)
    with tenant_context(tenant_a):
        assert User.objects.filter(email="anna@example.org").count() == 1
        assert SocialAccount.objects.count() == 1


@provider_missing
def test_forged_state_is_refused(tenant_a, client_a, provider):
    from allauth.socialaccount.models import SocialAccount

    _configure(provider)
    response = _login_via_provider(client_a, provider, "mallory-sub", state="forged")
    assert response.status_code != 302 or "_auth_user_id" not in client_a.session
    assert "_auth_user_id" not in client_a.session
    with tenant_context(tenant_a):
        assert not SocialAccount.objects.exists()


@provider_missing
def test_editor_logging_in_by_provider_is_asked_for_the_second_factor(
    tenant_a, client_a, provider
):
    from allauth.socialaccount.models import SocialAccount

    requests.put(f"{provider}/users/red-sub", timeout=10, json={
        "email": "redaktion-oidc@example.org", "email_verified": True,
    }).raise_for_status()
    _configure(provider)
    _login_via_provider(client_a, provider, "red-sub")
    with tenant_context(tenant_a):
        user = SocialAccount.objects.get(uid="red-sub").user
        user.is_superuser = user.is_staff = True
        user.save()
        secret = add_totp(user)
    client_a.post("/konto/logout/")

    response = _login_via_provider(client_a, provider, "red-sub")
    assert response.status_code == 302
    assert response["Location"] == "/konto/2fa/authenticate/"
    assert "_auth_user_id" not in client_a.session
    assert client_a.get("/admin/")["Location"].startswith("/konto/login/")
    code = f"{hotp_value(secret, int(time.time()) // 30):06d}"
    client_a.post("/konto/2fa/authenticate/", {"code": code})
    assert client_a.get("/admin/").status_code == 200
