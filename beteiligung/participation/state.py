"""The row per procedure that services own, and that they lock.

Wagtail publishing saves every field of a page from the editor's form or revision:
state kept on the page row would be turned back by a revision loaded before the
change (a cancelled event brought back by publishing a typo fix). So what services
decide (cancellation, the calendar sequence, when personal data was deleted, results
announced) lives here, in a row publishing never writes. It is also the row that
``locking.lock_procedure`` takes, so editors publishing never wait for a rush of
participants, and a rush never waits for editors.

One row per procedure, made with the page (``ensure_state``, connected to
page_published in apps.py) or on demand by the lock.
"""

from django.db import connection, models


class ProcedureState(models.Model):
    procedure = models.OneToOneField(
        "beteiligung.ProcedurePage", on_delete=models.CASCADE, primary_key=True,
        related_name="state",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # What participants' copies (calendar entries) were last told; +1 on every change
    # they must hear about (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, db_default=0)
    personal_data_deleted_at = models.DateTimeField(null=True, blank=True)
    results_announced_at = models.DateTimeField(null=True, blank=True)
    # +1 in the same transaction as every change of what participants see (a post, a
    # rating, a moderation): the fingerprint of per-process page caches (cache.py).
    version = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "beteiligung_procedure_state"

    def __str__(self):
        return f"{self.procedure_id}: sequence {self.sequence}"


def bump_version(procedure_id):
    """Mark the procedure's public content as changed (inside the caller's transaction;
    the row stays locked until it ends, so take it late)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(ProcedureState._meta.db_table)}"
            " SET version = version + 1 WHERE procedure_id = %s", [procedure_id]
        )
        if cursor.rowcount == 0:
            ensure_state(procedure_id)
            bump_version(procedure_id)


def ensure_state(procedure_id):
    """Create the state row if it is missing (idempotent, no lock taken)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(ProcedureState._meta.db_table)}"
            " (procedure_id, sequence, version) VALUES (%s, 0, 0) ON CONFLICT DO NOTHING", [procedure_id]
        )
