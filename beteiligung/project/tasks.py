from django.utils.module_loading import import_string
from django_tasks import task
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context


class UnknownTenantSchema(Exception):
    pass


@task(takes_context=True)
def run_in_schema(context, schema_name, task_path, args, kwargs):
    """Run the task at ``task_path`` inside ``schema_name`` (see task_backends.py)."""
    from tenants.models import Tenant

    inner = import_string(task_path)
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(schema_name=schema_name).first()
    if tenant is None:
        raise UnknownTenantSchema(schema_name)
    with tenant_context(tenant):
        if inner.takes_context:
            return inner.call(context, *args, **kwargs)
        return inner.call(*args, **kwargs)


@task()
def publish_scheduled():
    """Wagtail's scheduled publishing (go-live and expiry times) in the current schema.

    Enqueued every minute for every active tenant by the scheduler (apps.py); the task
    backend runs it inside that tenant's schema, so it only touches that tenant's pages.
    """
    from django.core.management import call_command

    call_command("publish_scheduled", verbosity=0)
