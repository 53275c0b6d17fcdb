"""Deletion of personal data after a procedure, over every module's policy, with a log.

Each module registers a retention policy (registry.Module.retention): a function
``(now) -> list[RetentionRun]`` that anonymises what is due and records, per procedure,
a RetentionRun as proof (what, when, how many; never whose). ``run_retention`` runs
them all, hourly, per tenant (the scheduler carries the schema).
"""

from django.db import models
from django.utils import timezone
from django_tasks import task

from . import registry


class RetentionRun(models.Model):
    """Proof that personal data of a procedure was deleted: what, when, how many."""

    procedure = models.ForeignKey(
        "beteiligung.ProcedurePage", null=True, on_delete=models.SET_NULL,
        related_name="retention_runs",
    )
    module = models.CharField(max_length=50)
    procedure_title = models.CharField(max_length=255)
    ran_at = models.DateTimeField(default=timezone.now)
    anonymized = models.PositiveIntegerField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-ran_at"]
        db_table = "beteiligung_retention_run"

    def __str__(self):
        return f"{self.procedure_title}: {self.anonymized} anonymized at {self.ran_at:%Y-%m-%d %H:%M}"


def log_run(module, procedure, *, anonymized, counts, now):
    return RetentionRun.objects.create(
        procedure=procedure, module=module, procedure_title=procedure.title[:255], ran_at=now,
        anonymized=anonymized, counts=counts,
    )


def apply_all(now=None):
    """Every module's policy; returns the runs made."""
    now = now or timezone.now()
    runs = []
    for _label, policy in registry.retention_policies():
        runs += policy(now)
    return runs


@task()
def run_retention():
    apply_all()
