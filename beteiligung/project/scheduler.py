"""Periodic tasks, per tenant.

Modules declare their periodic tasks in the registry (participation/registry.py,
``Module(periodic=(PeriodicTask(tasks.expire_holds, 60),))``).

``beteiligung scheduler`` (started by ``beteiligung serve`` and the demo) enqueues
each due task once for every active tenant, inside that tenant's schema, so the
task backend carries the schema to the worker.
"""

import time

from django_tenants.utils import get_public_schema_name, tenant_context

from beteiligung.participation import registry

# When each task (by its module path) was last enqueued, in this scheduler process.
LAST_RUN: dict[str, float] = {}


def active_tenants():
    from tenants.models import Tenant

    return list(
        Tenant.objects.filter(is_active=True, is_template=False)
        .exclude(schema_name=get_public_schema_name())
    )


def run_due(now=None):
    """Enqueue every due periodic task once per active tenant; return what was enqueued."""
    now = time.monotonic() if now is None else now
    enqueued = []
    due = [
        p for p in registry.periodic_tasks()
        if p.task.module_path not in LAST_RUN or now - LAST_RUN[p.task.module_path] >= p.seconds
    ]
    if not due:
        return enqueued
    tenants = active_tenants()
    for periodic in due:
        for tenant in tenants:
            with tenant_context(tenant):
                periodic.task.enqueue()
            enqueued.append((tenant.schema_name, periodic.task.module_path))
        LAST_RUN[periodic.task.module_path] = now
    return enqueued
