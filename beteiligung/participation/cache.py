"""The per-process cache: the Wagtail Site, its root paths, the portal settings.

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


_also_cleared = []


def also_clear(function):
    """Call ``function()`` whenever this cache is dropped (a Site, the settings or a page
    saved): for caches elsewhere that depend on the same things (a module's fast path)."""
    if function not in _also_cleared:
        _also_cleared.append(function)


def clear(**kwargs):
    with _lock:
        _entries.clear()
    for function in _also_cleared:
        function()


def clear_on_change(*models):
    """Drop this process's entries whenever one of ``models`` is saved or deleted."""
    for model in models:
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


class VersionedCache:
    """A per-process cache whose entries are checked on every use against a version
    (a fingerprint) that the caller reads with one small query per request.

    The pattern of every hot public page: the expensive part (loading pages over
    inherited tables, rendering a list) is kept per process, per tenant; a change by
    anyone, in any process (an editor publishing, a service hiding a post) changes the
    fingerprint and so is seen at once. Entries also expire after TENANT_CACHE_SECONDS
    (what is rendered around them, e.g. the footer, may be that old), and the cache is
    emptied when it passes ``max_entries``. Keys include the schema: no tenant ever gets
    another's entry.
    """

    def __init__(self, max_entries=1000):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[str, float, object]] = {}
        self._building: dict[tuple, threading.Lock] = {}

    def get(self, key, fingerprint, build):
        """The value for ``key`` at ``fingerprint``: kept, or ``build()`` and kept.
        ``fingerprint=None`` builds without keeping (e.g. an editor's preview).

        One build per key at a time in a process: when a rush meets an empty cache (a
        restart, a new version of a 500-comment thread), the other threads wait for the
        first one's result instead of all rendering the same page at once."""
        if fingerprint is None:
            return build()
        key = (connection.schema_name, *key) if isinstance(key, tuple) else (
            connection.schema_name, key)
        value = self._kept(key, fingerprint)
        if value is not None:
            return value
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:
            value = self._kept(key, fingerprint)
            if value is not None:
                return value
            value = build()
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                    self._building = {key: building}
                self._entries[key] = (fingerprint, time.monotonic() + settings.TENANT_CACHE_SECONDS,
                                      value)
        return value

    def _kept(self, key, fingerprint):
        entry = self._entries.get(key)
        if entry is not None and entry[0] == fingerprint and entry[1] > time.monotonic():
            return entry[2]
        return None

    def peek(self, key, fingerprint):
        """The value kept for ``key`` at ``fingerprint``, or None (nothing is built)."""
        key = (connection.schema_name, *key) if isinstance(key, tuple) else (
            connection.schema_name, key)
        entry = self._entries.get(key)
        if entry is not None and entry[0] == fingerprint and entry[1] > time.monotonic():
            return entry[2]
        return None

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._building = {}
