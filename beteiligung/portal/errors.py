"""The portal's German error pages (400, 403 for a missing CSRF token, 404, 429, 500), in the
tenant's layout on a portal and in the platform's minimal layout on the platform host
(and for unknown hosts). Wired up by handler400/404/429/500 in both URLconfs and by
CSRF_FAILURE_VIEW."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from beteiligung.portal.tenant_only import is_tenant_request


def _layout(request):
    return "beteiligung/base.html" if is_tenant_request(request) else "tenants/base_minimal.html"


def bad_request(request, exception=None):
    """German 400 page in the portal's layout (handler400 and the body guard)."""
    return render(request, "beteiligung/errors/400.html", {"layout": _layout(request)}, status=400)


def too_many_requests(request, exception=None):
    """German 429 page (allauth's rate limits look up ``handler429`` in ROOT_URLCONF)."""
    return render(request, "beteiligung/errors/429.html", {"layout": _layout(request)}, status=429)


def csrf_failure(request, reason=""):
    """German 403 page when the form's security token is missing or wrong (CSRF_FAILURE_VIEW)."""
    return render(request, "beteiligung/errors/403_csrf.html", {"layout": _layout(request)}, status=403)


def page_not_found(request, exception=None):
    """German 404 page: in the tenant's layout on a portal, the platform's on the platform host."""
    return render(request, "beteiligung/errors/404.html",
                  {"layout": _layout(request), "platform": not is_tenant_request(request)}, status=404)


def server_error(request):
    """German 500 page that renders even when the database is broken.

    No context processors (they query the portal settings and the user): only the
    tenant object that the routing middleware holds in memory gives the branding.
    """
    if is_tenant_request(request):
        try:
            context = {"portal_tenant": request.tenant, "request": request}
            return HttpResponseServerError(loader.render_to_string("beteiligung/errors/500.html", context))
        except Exception:  # the error page itself must not fail: the plain one below
            pass
    return HttpResponseServerError(loader.render_to_string("beteiligung/errors/platform_500.html"))
