"""pytest plugin (loaded with ``-p beteiligung.project.testing.plugin`` from pyproject.toml).

Runs at import, before pytest-django configures Django: when DATABASE_URL is not
set, start the project's embedded PostgreSQL so the suite needs no server of its own.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beteiligung.project.settings")
os.environ.setdefault("TENANT_CACHE_SECONDS", "30")
# Tasks run at once in tests (still wrapped with their schema); tests of the queued
# backend switch to it explicitly.
os.environ.setdefault("TASKS_BACKEND", "beteiligung.project.task_backends.TenantImmediateBackend")
os.environ.setdefault("EMAIL_URL", "memory://")

if not os.environ.get("DATABASE_URL"):
    from beteiligung.project.embedded_db import ensure_database_url

    ensure_database_url()
