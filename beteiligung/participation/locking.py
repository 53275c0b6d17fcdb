"""lock_procedure(): the one lock every module's services take.

The lock order (pretix's rule: lock late, once per transaction, re-check after locking):

1. The procedure's state row (state.py), with ``SELECT ... FOR UPDATE OF`` it, reading
   the page's settings in the same statement. Every decision about capacity, counts or
   whether the procedure is open is made from what this statement returned, i.e. after
   the lock, never from a read before it.
2. Rows of the module below that procedure (an event's programme items, a dialog's
   post), in primary-key order.
3. Two procedures at once (moving a registration): both state rows, in primary-key
   order, so two opposite moves cannot deadlock.

Only inside a transaction (``locked_section``): its ``SET LOCAL lock_timeout``
(PROCEDURE_LOCK_TIMEOUT_MS, default 3 s) ends with the transaction, so one stuck
transaction cannot make every thread of every tenant wait. Whoever waits longer gets
``ProcedureBusy`` (a German "please try again in a moment"), and the transaction (or
its savepoint) is rolled back: nothing half-saved.

Editors publishing a page write the page rows, not the state row: they never wait for
the lock, and a rush never waits for them.
"""

import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils.translation import gettext as _

from .state import ProcedureState, ensure_state

LOCK_NOT_AVAILABLE = "55P03"
STATE_FIELDS = (
    "cancelled_at", "sequence", "personal_data_deleted_at", "results_announced_at", "version",
)


class ProcedureBusy(Exception):
    """The lock was not free within the lock timeout; nothing was saved."""

    code = "busy"

    def __init__(self, message=None):
        self.message = message or _(
            "Very many people are taking part right now. Please try again in a moment."
        )
        super().__init__(self.message)


def lock_timeout_ms():
    return int(getattr(settings, "PROCEDURE_LOCK_TIMEOUT_MS", 3000))


@contextmanager
def locked_section(busy=ProcedureBusy, message=None):
    """A transaction whose locks wait at most the lock timeout; then ``busy(message)``."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = {lock_timeout_ms()}")
            yield
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise (busy(message) if message else busy()) from None


@functools.cache
def _lock_sql(model, fields):
    """Lock the state row and read ``fields`` of the page model (over its inherited
    tables) in one statement: built once per process, because compiling the query over
    three tables cost more than running it."""
    quote = connection.ops.quote_name
    tables = {m._meta.db_table: m for m in [model, *model._meta.get_parent_list()]}
    aliases = {model._meta.db_table: "p"}
    pk = quote(model._meta.pk.column)
    columns = [f"p.{pk}"]
    for name in fields:
        field = model._meta.get_field(name)
        table = field.model._meta.db_table
        alias = aliases.setdefault(table, f"t{len(aliases)}")
        columns.append(f"{alias}.{quote(field.column)}")
    columns += [f"s.{quote(name)} AS {quote('state_' + name)}" for name in STATE_FIELDS]
    joins = " ".join(
        f"JOIN {quote(table)} {alias} ON {alias}.{quote(tables[table]._meta.pk.column)} = p.{pk}"
        for table, alias in aliases.items() if alias != "p"
    )
    return (
        f"SELECT {', '.join(columns)} FROM {quote(ProcedureState._meta.db_table)} s"
        f" JOIN {quote(model._meta.db_table)} p ON p.{pk} = s.procedure_id {joins}"
        f" WHERE s.procedure_id = %s FOR UPDATE OF s"
    )


def lock_procedure(model, procedure_id, fields):
    """Lock the procedure's state row for this transaction; return the page (an instance
    of ``model`` with only ``fields`` loaded, and ``.state``) as it is after the lock.

    Raises ``model.DoesNotExist`` for an unknown id. Call it inside ``locked_section``.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_procedure() only inside a transaction (locked_section)")
    sql = _lock_sql(model, tuple(fields))
    for attempt in range(2):
        for page in model.objects.raw(sql, [procedure_id]):
            page.state = ProcedureState(
                procedure_id=page.pk,
                **{name: getattr(page, "state_" + name) for name in STATE_FIELDS},
            )
            return page
        if attempt or not model.objects.filter(pk=procedure_id).exists():
            break
        ensure_state(procedure_id)  # a procedure made before its state row existed
    raise model.DoesNotExist


def lock_procedures(model, procedure_ids, fields):
    """Lock several procedures in primary-key order (rule 3 above)."""
    return {pk: lock_procedure(model, pk, fields) for pk in sorted(set(procedure_ids))}
