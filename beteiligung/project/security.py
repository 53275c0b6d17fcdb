"""HTTP hardening that applies to every response and every request body.

* ``PortalSecurityHeadersMiddleware``: django-csp's middleware, choosing the policy
  by where the request went. Portal pages get ``CONTENT_SECURITY_POLICY`` (settings):
  scripts and styles only from our own origin, no inline code at all. The one inline
  ``<style>`` of the layout, the tenant's brand colours, is allowed by its sha256
  hash (not by a nonce: the events' page cache serves rendered pages to many
  requests). The Wagtail admin, wherever it is mounted (resolved, not a literal
  prefix), gets ``ADMIN_CONTENT_SECURITY_POLICY``: Wagtail 8 still renders inline
  ``<script>`` blocks (inline panels, date pickers), so the admin alone allows inline
  scripts, still only from our own origin. allauth's pages may send a form on to the
  tenant's OpenID Connect providers (Chrome applies form-action to the redirect after
  the POST), so their form-action names those providers' origins and nothing else.
  Every response also gets a Permissions-Policy that switches off powerful browser
  features; the admin keeps the camera for its own origin (check-in by QR code).
* ``RequestBodyGuardMiddleware``: a form body that Django cannot read (a charset
  other than UTF-8, too many fields, too large) is answered with the German 400 page
  before anything else reads it. Without this, Django's own 400 handler read the
  body a second time (through the CSRF check of its error view) and turned the 400
  into a 500.
The German error pages themselves are in errors.py.
"""

import base64
import functools
import hashlib
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from csp.utils import default_config
from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import connection
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django_tenants.utils import get_public_schema_name

from beteiligung.portal.context_processors import branding_css
from beteiligung.portal.errors import bad_request
from beteiligung.portal.tenant_only import is_tenant_request
from beteiligung.project.middleware import admin_roots

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "serial=(), usb=(), xr-spatial-tracking=(), browsing-topics=()"
)
ADMIN_PERMISSIONS_POLICY = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# --- Content-Security-Policy -------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _style_hash(css):
    digest = hashlib.sha256(css.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


@functools.cache
def _minimal_layout_hash():
    """The inline style of tenants/base_minimal.html (platform host, unknown hosts)."""
    from django.template.loader import get_template

    return _style_hash(get_template("tenants/minimal.css").render())


def is_admin_request(request):
    """True for every URL under the Wagtail admin's mount point, wherever that is."""
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return request.path_info.startswith(admin_roots(urlconf, ("wagtailadmin_home",)))


def _is_allauth_view(request):
    """allauth's pages, and the portal's guarded OpenID Connect views around them."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match._func_path.startswith(("allauth.", "beteiligung.portal.accounts."))


def _identity_provider_origins():
    """Origins of the current tenant's OpenID Connect providers (one small query)."""
    if connection.schema_name == get_public_schema_name():
        return []
    from allauth.socialaccount.models import SocialApp

    origins = []
    for app_settings in SocialApp.objects.filter(provider="openid_connect").values_list(
        "settings", flat=True
    ):
        parts = urlsplit(str((app_settings or {}).get("server_url", "")))
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


class PortalSecurityHeadersMiddleware(CSPMiddleware):
    """CSP by area (portal, admin, account pages) plus Permissions-Policy."""

    def process_response(self, request, response):
        admin = is_admin_request(request)
        request._portal_admin_area = admin
        response = super().process_response(request, response)
        response.headers.setdefault(
            "Permissions-Policy", ADMIN_PERMISSIONS_POLICY if admin else PERMISSIONS_POLICY
        )
        return response

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only or parts.config is not None:
            return parts  # a view chose its own policy (django-csp's decorators)
        if getattr(request, "_portal_admin_area", False):
            parts.config = default_config(settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
            return parts
        update = dict(parts.update or {})
        styles = [_minimal_layout_hash()]
        if is_tenant_request(request):
            styles.append(_style_hash(branding_css(request.tenant)))
        update["style-src"] = styles
        if _is_allauth_view(request):
            origins = _identity_provider_origins()
            if origins:
                update["form-action"] = origins
        parts.update = update
        return parts


# --- Request bodies and error pages -----------------------------------------------------

def _unreadable_form_body(request):
    """Why Django cannot read this form body, or None when it can (then it is parsed)."""
    if request.method not in ("POST", "PUT", "PATCH") or request.content_type not in FORM_CONTENT_TYPES:
        return None
    encoding = (request.encoding or "utf-8").lower().replace("_", "-")
    if request.content_type == FORM_CONTENT_TYPES[0] and encoding not in ("utf-8", "utf8"):
        return "charset"
    try:
        request.POST  # noqa: B018 - parse once, here, where a failure can still answer 400
    except (BadRequest, SuspiciousOperation, UnreadablePostError, MultiPartParserError,
            UnicodeError, ValueError):
        return "unreadable"
    return None


class RequestBodyGuardMiddleware:
    """Answer an unreadable form body with the German 400 page (see module docstring).

    Must come before CsrfViewMiddleware, which would otherwise be the first to read it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _unreadable_form_body(request):
            return bad_request(request)
        return self.get_response(request)
