from django.conf import settings


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


def branding_css(tenant):
    """The layout's only inline style: the tenant's colours (validated #RRGGBB); the
    security headers allow exactly this style by its hash (project/security.py)."""
    primary = getattr(tenant, "primary_color", "") or "#1a5490"
    accent = getattr(tenant, "accent_color", "") or "#f2c500"
    return f":root {{ --brand: {primary}; --accent: {accent}; }}"
