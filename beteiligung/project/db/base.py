"""django-tenants' PostgreSQL backend with two round trips per request fewer.

* ``SET search_path``: django-tenants forgets the search path the connection has
  whenever a tenant is set, i.e. on every request, and sends it again. Here the
  tenant is only really switched when the schema changes; the backend still
  forgets the path whenever the database may have dropped it (close, rollback,
  rollback to savepoint), so the path sent is always the one in force.
* Health check: Django checks a persistent connection with a query at the start
  of every request. Here the check is skipped if the connection finished a request
  without errors less than DB_HEALTH_CHECK_IDLE_SECONDS ago (a connection lost in
  that window fails one request and is then replaced, as without health checks).
"""

import time

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    healthy_at = float("-inf")

    def set_tenant(self, tenant, include_public=True):
        if (self.tenant is not None and tenant.schema_name == self.schema_name
                and include_public == self.include_public_schema):
            self.tenant = tenant  # same schema: search path and caches stay valid
            return
        super().set_tenant(tenant, include_public)

    def close_if_health_check_failed(self):
        idle = getattr(settings, "DB_HEALTH_CHECK_IDLE_SECONDS", 2.0)
        if self.connection is not None and time.monotonic() - self.healthy_at < idle:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close(self):
        self.healthy_at = float("-inf")
        super().close()


def _note_healthy(**kwargs):
    """Runs after Django's own request_finished handler has closed broken connections."""
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if isinstance(connection, DatabaseWrapper) and connection.connection is not None \
                and not connection.errors_occurred:
            connection.healthy_at = now


request_finished.connect(_note_healthy, dispatch_uid="beteiligung.project.db.note_healthy")
