from django.conf import settings

from beteiligung.project.security import branding_css


def portal(request):
    tenant = getattr(request, "tenant", None)
    public = tenant is not None and tenant.schema_name == settings.PUBLIC_SCHEMA_NAME
    return {
        "portal_tenant": tenant,
        # The layout's inline style; the Content-Security-Policy names its hash.
        "portal_branding_css": branding_css(tenant),
        # Account pages (allauth) on the platform host cannot use a tenant's layout.
        "portal_layout": "beteiligung/platform_layout.html" if public else "beteiligung/base.html",
        "demo_mode": settings.DEMO,
    }
