"""Accounts (django-allauth) of the portal: links in e-mails, sign-up timing,
OpenID Connect providers and their failures.

Wired up in settings.py (``ACCOUNT_ADAPTER``) and urls_tenant.py (the OIDC views).
"""

import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import requests
from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.shortcuts import render
from django_tenants.utils import get_public_schema_name

logger = logging.getLogger(__name__)

WELL_KNOWN = "/.well-known/openid-configuration"


def _current_tenant(request=None):
    tenant = getattr(request, "tenant", None) if request is not None else None
    return tenant or getattr(connection, "tenant", None)


def portal_url(path, request=None):
    """Absolute URL of ``path`` on the primary domain of the tenant (or the platform)
    serving the request, with the configured scheme and port - never the Host header."""
    from beteiligung.participation.mail import tenant_url

    tenant = _current_tenant(request)
    if hasattr(tenant, "base_url") and tenant.base_url() is not None:
        return tenant.base_url() + path
    return tenant_url(path)


def _rebase(url, request):
    """``url`` (absolute or a path) moved onto the portal's own base URL."""
    bits = urlsplit(url)
    path = urlunsplit(("", "", bits.path or "/", bits.query, bits.fragment))
    return portal_url(path, request)


@dataclass
class _MailSite:
    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def is_safe_url(self, url):
        """Redirects after login or the second factor stay on this host (or are relative).

        allauth also accepts every host matching ALLOWED_HOSTS, which with a pattern like
        ``.beteiligung.example.de`` would send a person on to *another tenant's* portal
        (phishing between tenants)."""
        from allauth.core import context
        from django.utils.http import url_has_allowed_host_and_scheme

        return url_has_allowed_host_and_scheme(
            url, allowed_hosts={context.request.get_host()},
            require_https=context.request.is_secure(),
        )

    def is_open_for_signup(self, request):
        # The platform host has only operators' accounts, made with createsuperuser.
        tenant = _current_tenant(request)
        if tenant is None or tenant.schema_name == get_public_schema_name():
            return False
        return super().is_open_for_signup(request)

    def send_mail(self, template_prefix, email, context):
        """Every link of every allauth e-mail points to the tenant's primary domain."""
        from allauth.core import context as allauth_context

        request = allauth_context.request
        context = dict(context)
        for key, value in list(context.items()):
            if key.endswith("_url") and isinstance(value, str) and value:
                context[key] = _rebase(value, request)
        tenant = _current_tenant(request)
        if tenant is not None and "current_site" not in context:
            base = urlsplit(portal_url("/", request))
            context["current_site"] = _MailSite(name=tenant.name, domain=base.netloc)
        return super().send_mail(template_prefix, email, context)

    def get_reset_password_from_key_url(self, key):
        return _rebase(super().get_reset_password_from_key_url(key), self.request)

    def get_email_confirmation_url(self, request, emailconfirmation):
        return _rebase(super().get_email_confirmation_url(request, emailconfirmation), request)



def _signup_form():
    from allauth.account.forms import SignupForm as Base

    class SignupForm(Base):
        def try_save(self, request):
            if self.account_already_exists:
                # A new address costs a password hash (a few hundred ms); a taken one
                # only a note by e-mail (and not even that when one went out
                # recently). Spend the same hash, or the answer time tells whether
                # an address has an account.
                make_password(self.cleaned_data.get("password1") or secrets.token_urlsafe(24))
            return super().try_save(request)

    return SignupForm


def _activate_totp_form():
    from allauth.mfa.totp.forms import ActivateTOTPForm as Base

    class ActivateTOTPForm(Base):
        """Setting up the authenticator app proves it with a code: this session has
        passed the second factor (AdminRequiresMFAMiddleware would ask again at once)."""

        def clean_code(self):
            from allauth.account.internal.flows.login import record_authentication
            from allauth.core import context

            code = super().clean_code()
            if context.request is not None:
                record_authentication(context.request, self.user, "mfa", type="totp",
                                      activated=True)
            return code

    return ActivateTOTPForm


# --- OpenID Connect --------------------------------------------------------------------


class OIDCConfigurationError(Exception):
    """The provider's discovery document is unreachable or does not match."""


def normalize_server_url(server_url):
    """The issuer URL without a trailing slash (allauth appends the well-known path)."""
    url = (server_url or "").strip()
    if WELL_KNOWN in url:
        url = url.split(WELL_KNOWN, 1)[0]
    bits = urlsplit(url)
    if bits.scheme not in ("http", "https") or not bits.netloc:
        raise OIDCConfigurationError(
            f"--server-url must be an http(s) URL of the issuer, got {server_url!r}"
        )
    return url.rstrip("/")


def fetch_discovery(server_url, timeout=10):
    """Fetch and check the discovery document of ``server_url``; return (issuer, document).

    Raises OIDCConfigurationError with a one-line reason when the provider cannot be
    reached, answers no JSON, or names another issuer.
    """
    issuer = normalize_server_url(server_url)
    discovery_url = issuer + WELL_KNOWN
    try:
        response = requests.get(discovery_url, timeout=timeout)
        response.raise_for_status()
        document = response.json()
    except requests.RequestException as error:
        raise OIDCConfigurationError(
            f"cannot fetch the discovery document {discovery_url}: {error}"
        ) from None
    except ValueError:
        raise OIDCConfigurationError(f"{discovery_url} did not answer JSON") from None
    if not isinstance(document, dict):
        raise OIDCConfigurationError(f"{discovery_url} did not answer a JSON object")
    announced = str(document.get("issuer") or "")
    if announced.rstrip("/") != issuer:
        raise OIDCConfigurationError(
            f"the provider names the issuer {announced!r}, not {issuer!r}: "
            f"use its issuer URL as --server-url"
        )
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
               if not document.get(key)]
    if missing:
        raise OIDCConfigurationError(
            f"the discovery document lacks {', '.join(missing)}"
        )
    return issuer, document


def configure_oidc(provider_id, name, server_url, client_id, secret, check=True):
    """Add or update an OpenID Connect provider of the current tenant.

    The discovery document is fetched and its issuer checked first: on any
    failure nothing is saved. Returns (app, created).
    """
    from allauth.socialaccount.models import SocialApp

    if connection.schema_name == get_public_schema_name():
        raise OIDCConfigurationError("OpenID Connect providers belong to a tenant")
    if not provider_id or not provider_id.replace("-", "").replace("_", "").isalnum():
        raise OIDCConfigurationError(
            "--provider-id may contain only letters, digits, '-' and '_'"
        )
    issuer = fetch_discovery(server_url)[0] if check else normalize_server_url(server_url)
    return SocialApp.objects.update_or_create(
        provider="openid_connect",
        provider_id=provider_id,
        defaults={
            "name": name,
            "client_id": client_id,
            "secret": secret,
            "settings": {"server_url": issuer},
        },
    )


def _unavailable(request, provider_id):
    from allauth.socialaccount.models import SocialApp

    app = SocialApp.objects.filter(provider_id=provider_id).first()
    return render(
        request,
        "beteiligung/login_unavailable.html",
        {"provider_name": app.name if app else provider_id},
        status=503,
    )


def _guarded(view):
    """allauth fetches the provider's discovery document outside its own error
    handling: an unreachable provider or a broken document would answer a bare 500.
    Answer the portal's German page instead (503: try again later)."""

    def wrapper(request, provider_id):
        try:
            return view(request, provider_id=provider_id)
        except (requests.RequestException, ValueError, KeyError) as error:
            logger.warning("OpenID Connect provider %s failed: %s", provider_id, error)
            return _unavailable(request, provider_id)

    wrapper.__name__ = view.__name__
    wrapper.__module__ = __name__
    wrapper.login_required = False
    return wrapper


def _oidc_views():
    from allauth.socialaccount.providers.openid_connect import views

    return _guarded(views.login), _guarded(views.callback)


oidc_login, oidc_callback = _oidc_views()
ActivateTOTPForm = _activate_totp_form()
SignupForm = _signup_form()

__all__ = [
    "AccountAdapter",
    "OIDCConfigurationError",
    "configure_oidc",
    "fetch_discovery",
    "oidc_callback",
    "oidc_login",
    "portal_url",
]
