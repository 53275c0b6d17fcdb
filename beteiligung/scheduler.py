"""Periodic tasks, per tenant.

Modules register their periodic tasks in their AppConfig.ready():

    from beteiligung.scheduler import register_periodic
    register_periodic(tasks.expire_holds, seconds=60)

``beteiligung scheduler`` (started by ``beteiligung serve`` and the demo) enqueues
each due task once for every active tenant, inside that tenant's schema, so the
task backend carries the schema to the worker.
"""

import time
from dataclasses import dataclass

from django_tenants.utils import get_public_schema_name, tenant_context


@dataclass
class Periodic:
    task: object
    seconds: int
    last_run: float = 0.0


PERIODIC: list[Periodic] = []


def register_periodic(task, seconds):
    if not any(p.task.module_path == task.module_path for p in PERIODIC):
        PERIODIC.append(Periodic(task, seconds))


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
    due = [p for p in PERIODIC if now - p.last_run >= p.seconds or not p.last_run]
    if not due:
        return enqueued
    tenants = active_tenants()
    for periodic in due:
        for tenant in tenants:
            with tenant_context(tenant):
                periodic.task.enqueue()
            enqueued.append((tenant.schema_name, periodic.task.module_path))
        periodic.last_run = now
    return enqueued
