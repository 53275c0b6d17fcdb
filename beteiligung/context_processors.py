from django.conf import settings


def portal(request):
    tenant = getattr(request, "tenant", None)
    return {
        "portal_tenant": tenant,
        "demo_mode": settings.DEMO,
    }
