from django.conf import settings

from .security import branding_css


def portal(request):
    tenant = getattr(request, "tenant", None)
    return {
        "portal_tenant": tenant,
        # The layout's inline style; the Content-Security-Policy names its hash.
        "portal_branding_css": branding_css(tenant),
        "demo_mode": settings.DEMO,
    }
