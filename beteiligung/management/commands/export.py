"""``beteiligung export``: a procedure's table (registry.Export) into a file, for operators.

    beteiligung export --schema nrw --list
    beteiligung export --schema nrw --procedure 42 --table posts --format xlsx --output posts.xlsx

The tables are the ones the modules registered, written by the same writer as the back
office's downloads (participation/exports.py), row by row. The file appears only when it
is complete (written beside it under a temporary name, then renamed); on any refusal
(unknown schema, procedure or table, a table of another type of procedure, an output
that cannot be written) it says why in one line, writes nothing and exits with 2.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django_tenants.utils import tenant_context
from wagtail.models import Page

from beteiligung.participation import registry
from beteiligung.participation.exports import FORMATS, write_table
from beteiligung.participation.pages import ProcedurePage
from beteiligung.participation.text import one_line
from tenants.services import ProvisioningError, get_tenant

USAGE_ERROR = 2


def refuse(message):
    return CommandError(message, returncode=USAGE_ERROR)


class Command(BaseCommand):
    help = ("Write a table of one procedure (posts, ratings, participants, ...) as CSV or XLSX, "
            "or list a tenant's procedures with their tables.")

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="the tenant's schema")
        parser.add_argument("--list", action="store_true",
                            help="list the tenant's procedures: id, type, tables, title")
        parser.add_argument("--procedure", type=int, help="the procedure's id (see --list)")
        parser.add_argument("--table", help="the table's key (see --list)")
        parser.add_argument("--format", choices=FORMATS,
                            help="csv or xlsx (default: the output's extension, else csv)")
        parser.add_argument("--output", help="the file to write")

    def handle(self, *args, **options):
        try:
            tenant = get_tenant(options["schema"])
        except ProvisioningError as error:
            raise refuse(str(error)) from None
        # The tables' headers and labels are German, whatever locale the shell has.
        with tenant_context(tenant), translation.override(settings.LANGUAGE_CODE):
            if options["list"]:
                if any(options[name] is not None for name in ("procedure", "table", "output")):
                    raise refuse("--list takes no --procedure, --table or --output.")
                return self.list_procedures(tenant)
            return self.export(tenant, options)

    def list_procedures(self, tenant):
        tables = {type_key: [e.key for e in exports]
                  for type_key, exports in registry.exports_by_type().items()}
        procedures = ProcedurePage.objects.order_by("pk").values_list("pk", "procedure_type", "title")
        lines = [f"{pk:>6}  {type_key:<12}  {', '.join(tables.get(type_key, [])) or '-':<24}  "
                 f"{one_line(title)}" for pk, type_key, title in procedures]
        if not lines:
            self.stdout.write(f"No procedures in schema {tenant.schema_name}.")
            return
        self.stdout.write(f"{'ID':>6}  {'TYPE':<12}  {'TABLES':<24}  TITLE")
        for line in lines:
            self.stdout.write(line)

    def export(self, tenant, options):
        missing = [f"--{name}" for name in ("procedure", "table", "output") if options[name] is None]
        if missing:
            raise refuse(f"Missing {', '.join(missing)} (or pass --list).")
        pk, key, output = options["procedure"], options["table"], Path(options["output"])
        procedure = ProcedurePage.objects.filter(pk=pk).first()
        if procedure is None:
            if Page.objects.filter(pk=pk).exists():
                raise refuse(f"Page {pk} in schema {tenant.schema_name} is not a procedure.")
            raise refuse(f"No procedure with the id {pk} in schema {tenant.schema_name}.")
        table = registry.export_for(procedure, key)
        if table is None:
            raise refuse(self._no_such_table(procedure, key))
        fmt = options["format"] or (output.suffix[1:].lower() if output.suffix[1:].lower() in FORMATS
                                    else "csv")
        procedure = procedure.specific
        count = self._write(output, fmt, table, procedure)
        self.stdout.write(f"Wrote {count} rows of {key} of procedure {pk} ({one_line(procedure.title)}) "
                          f"to {output} ({fmt}).")

    def _no_such_table(self, procedure, key):
        by_type = registry.exports_by_type()
        own = ", ".join(e.key for e in by_type.get(procedure.procedure_type, [])) or "none"
        owners = sorted(t for t, exports in by_type.items() if any(e.key == key for e in exports))
        if owners:
            return (f"The table {key!r} belongs to {' and '.join(owners)} procedures; procedure "
                    f"{procedure.pk} is of type {procedure.procedure_type} (tables: {own}).")
        return (f"Unknown table {key!r}; procedure {procedure.pk} ({procedure.procedure_type}) has "
                f"the tables: {own}.")

    def _write(self, output, fmt, table, procedure):
        """Into a temporary file beside ``output``, renamed when complete: a failure leaves
        no half-written file (and no file at all where there was none). Readable by the
        operator only (mkstemp's 0600): the tables hold personal data."""
        directory = output.parent
        try:
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{output.name}.",
                                                 suffix=".part")
        except OSError as error:
            raise refuse(f"Cannot write to {directory}: {error.strerror}.") from None
        try:
            with os.fdopen(handle, "wb") as file:
                count = write_table(fmt, file, table.headers(procedure), table.rows(procedure),
                                    sheet_title=procedure.title)
            os.replace(temporary, output)
        except BaseException as error:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise refuse(f"Cannot write {output}: {error.strerror or error}.") from None
            raise
        return count
