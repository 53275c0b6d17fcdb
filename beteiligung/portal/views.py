import mimetypes
import posixpath
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils._os import safe_join
from django.views.decorators.http import require_GET

from beteiligung.portal.tenant_only import is_tenant_request
from tenants.services import list_tenants


@require_GET
def platform_index(request):
    """The public schema's page: the active portals with links."""
    tenants = [t for t in list_tenants() if t.is_active]
    return render(request, "beteiligung/platform_index.html", {"tenants": tenants})


@require_GET
def health(request):
    """Trivial view inside a tenant: liveness checks and bench/tenant_routing.py."""
    return HttpResponse("ok", content_type="text/plain")


# Upload folders whose files are reachable only through a view that checks permissions.
PRIVATE_MEDIA_FOLDERS = {"documents"}


@require_GET
def serve_media(request, schema, path):
    """Serve a file of the current tenant's media storage (MEDIA_ROOT/<schema>/).

    Files are looked up only in the storage of the schema that the host chose;
    another tenant's prefix is refused before the file system is touched.

    Documents are never served here: they may belong to a collection with a view
    restriction (login, password, groups), which only Wagtail's serve view checks
    (WAGTAILDOCS_SERVE_METHOD = "serve_view", /dokumente/<id>/<name>). Images are:
    Wagtail enforces no privacy on images, and its renditions are public files anyway.
    """
    if schema != connection.schema_name:
        raise Http404
    path = posixpath.normpath(path).lstrip("/")
    if path.startswith("..") or "\x00" in path:
        raise Http404
    if path.split("/", 1)[0] in PRIVATE_MEDIA_FOLDERS:
        raise Http404
    try:
        full_path = Path(safe_join(default_storage.location, path))
    except Exception:
        raise Http404 from None
    if not full_path.is_file():
        raise Http404
    content_type, encoding = mimetypes.guess_type(str(full_path))
    response = FileResponse(full_path.open("rb"), content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    if encoding:
        response["Content-Encoding"] = encoding
    return response


@require_GET
def demo_outbox(request):
    """The demo's outbox: e-mails this tenant would have sent (never in production)."""
    from beteiligung.participation.mail import OutboxMessage

    if not settings.DEMO:
        raise Http404
    return render(
        request,
        "beteiligung/demo_outbox.html",
        {"outbox_messages": OutboxMessage.objects.all()[:100]},
    )


ROBOTS_TENANT = """User-agent: *
Disallow: /admin/
Disallow: /konto/
Disallow: /demo/
Disallow: /i18n/
"""
ROBOTS_PLATFORM = """User-agent: *
Disallow: /admin/
"""


@require_GET
def robots_txt(request):
    """Portals are public and may be indexed; editing, account and utility paths not."""
    body = ROBOTS_TENANT if is_tenant_request(request) else ROBOTS_PLATFORM
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
