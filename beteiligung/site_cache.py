"""Per-process caches of the Wagtail Site, its root paths and the portal settings.

Every portal page needs both, and both change rarely: they are kept for
TENANT_CACHE_SECONDS and dropped at once in the process that saves a Site,
the portal settings or a page (page URLs are part of the settings' footer
links). Keys include the schema, so no tenant ever gets another's.

Wagtail keeps the site root paths (needed for every page URL) in Django's default
cache, which is shared (the database or Redis) so that rate limits count across
processes: that would be a cache round trip per page view. The middleware hands
Wagtail the root paths from this per-process cache instead.
"""

import threading
import time

from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django_tenants.utils import get_public_schema_name

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, object]] = {}


def cached(key, compute):
    now = time.monotonic()
    key = (connection.schema_name, *key)
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    value = compute()
    with _lock:
        if len(_entries) > 10_000:
            _entries.clear()
        _entries[key] = (now + settings.TENANT_CACHE_SECONDS, value)
    return value


def root_paths():
    """Wagtail's site root paths from this process's cache, not from Django's cache
    (the shared database cache would cost a query for every page URL built)."""
    from wagtail.models import Site

    return cached(("root_paths",), Site.get_site_root_paths)


class RootPathsHolder:
    """Stands in for a request where a page URL is built without one (feeds, e-mails):
    Page.get_url_parts(request) reads only ``_wagtail_cached_site_root_paths`` from it."""

    def __init__(self):
        self._wagtail_cached_site_root_paths = root_paths()


def clear(**kwargs):
    with _lock:
        _entries.clear()


def connect_signals():
    from wagtail.models import Site, get_page_models

    from .models import PortalSettings

    # Any page save may change URLs of the pages the footer links to.
    for model in (Site, PortalSettings, *get_page_models()):
        post_save.connect(clear, sender=model, dispatch_uid=f"site_cache.{model.__name__}.save")
        post_delete.connect(clear, sender=model, dispatch_uid=f"site_cache.{model.__name__}.del")


class CachedSiteMiddleware:
    """Give Wagtail the request's Site from the cache instead of a query per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is not None and tenant.schema_name != get_public_schema_name():
            from wagtail.models import Site

            request._wagtail_site = cached(
                ("site", request.get_host()), lambda: Site._find_for_request(request)
            )
            # Read by Page._get_site_root_paths(request) instead of Django's cache.
            request._wagtail_cached_site_root_paths = root_paths()
        return self.get_response(request)
