from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from tenants.services import ensure_public_tenant, ensure_template


class Command(BaseCommand):
    help = (
        "Migrate the public schema, make sure the platform tenant and the template schema "
        "exist, then migrate all tenant schemas (template included). Idempotent."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        # The shared cache's table in the public schema (a migration creates the default
        # one; this covers CACHE_URL=db://<other table>). A no-op for Redis.
        connection.set_schema_to_public()
        call_command("createcachetable", verbosity=verbosity)
        ensure_public_tenant()
        ensure_template()
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
