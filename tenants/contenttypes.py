"""ContentType cache per schema.

Django's ContentTypeManager caches ContentType rows per process, keyed by database
alias only. With schema-per-tenant one process serves several schemas, and with
threaded workers several at the same moment (each thread has its own connection).
django-tenants clears that cache whenever a connection switches schema, which does
not help the other threads, and beteiligung/project/db/base.py skips the switch (and the
clearing) when the schema stays the same.

ContentType ids are not guaranteed to agree between schemas: the public schema is
migrated with other apps than the tenants, and rows are created on demand
(post_migrate, ``get_for_model``), so one schema can number a model differently
from another. A cached row of schema A used in schema B would point generic
relations, permissions and Wagtail's page types at the wrong model.

So the cache is keyed by (alias, schema of that alias' connection in this thread):
``install()`` replaces the manager's ``_cache`` dict by a mapping with the same
interface that Django's manager uses (``[alias]``, ``setdefault(alias, ...)``,
``clear()``). Called once from TenantsConfig.ready().
"""

import threading

from django.db import connections


class SchemaKeyedCache:
    """``cache[alias]`` is the cache of the schema that ``alias`` is set to in this thread."""

    def __init__(self):
        self._data = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(alias):
        return alias, getattr(connections[alias], "schema_name", None)

    def __getitem__(self, alias):
        return self._data[self._key(alias)]

    def __contains__(self, alias):
        return self._key(alias) in self._data

    def get(self, alias, default=None):
        return self._data.get(self._key(alias), default)

    def setdefault(self, alias, default):
        key = self._key(alias)
        with self._lock:
            return self._data.setdefault(key, default)

    def clear(self):
        # django-tenants calls this on every schema switch; with keys per schema the
        # entries stay valid, but clearing keeps the semantics Django documents.
        with self._lock:
            self._data.clear()


def install():
    from django.contrib.contenttypes.models import ContentType

    if not isinstance(ContentType.objects._cache, SchemaKeyedCache):
        ContentType.objects._cache = SchemaKeyedCache()
