"""Middleware that only makes sense inside a tenant's schema.

The platform host (public schema) has none of Wagtail's tables. Wagtail's redirect
middleware looks up ``wagtailcore_site`` and ``wagtailredirects_redirect`` for every
404, so on the platform host every unknown path (``/favicon.ico``, a participant's
link opened on the wrong host, ...) became a 500. Wrapped here, it runs for tenant
hosts only; the platform host answers its own German 404 page.
"""

from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name


def is_tenant_request(request):
    tenant = getattr(request, "tenant", None)
    return tenant is not None and tenant.schema_name != get_public_schema_name()


class TenantOnlyMiddleware:
    """Run the middleware at ``wrapped`` (dotted path) only for tenant hosts."""

    wrapped = None

    def __init__(self, get_response):
        self.get_response = get_response
        self.inner = import_string(self.wrapped)(get_response)

    def __call__(self, request):
        if is_tenant_request(request):
            return self.inner(request)
        return self.get_response(request)


class RedirectMiddleware(TenantOnlyMiddleware):
    wrapped = "wagtail.contrib.redirects.middleware.RedirectMiddleware"
