"""Task backends that carry the tenant's schema with every task.

Wagtail (and our modules) enqueue django-tasks jobs without saying which
tenant they belong to; a worker would run them in the public schema. These
backends wrap each enqueued task into :func:`beteiligung.project.tasks.run_in_schema`
with the schema that was active when it was enqueued, so it runs there.
"""

from django.db import connection
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.backend import DatabaseBackend


class SchemaCarryingMixin:
    def enqueue(self, task, args, kwargs):
        from beteiligung.project.tasks import run_in_schema

        if task.module_path == run_in_schema.module_path:
            return super().enqueue(task, args, kwargs)
        wrapper = run_in_schema.using(
            priority=task.priority,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend=self.alias,
        )
        return super().enqueue(
            wrapper, [connection.schema_name, task.module_path, list(args), dict(kwargs)], {}
        )


class TenantDatabaseBackend(SchemaCarryingMixin, DatabaseBackend):
    """Queue in the public schema's task table; ``beteiligung worker`` runs them."""


class TenantImmediateBackend(SchemaCarryingMixin, ImmediateBackend):
    """Run at once, in the process that enqueues (tests, small installations)."""
