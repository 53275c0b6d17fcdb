"""pytest plugin (loaded with ``-p beteiligung.testing.plugin`` from pyproject.toml).

Runs at import, before pytest-django configures Django: when DATABASE_URL is not
set, start the project's embedded PostgreSQL so the suite needs no server of its own.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beteiligung.settings")
os.environ.setdefault("TENANT_CACHE_SECONDS", "30")

if not os.environ.get("DATABASE_URL"):
    from beteiligung.embedded_db import ensure_database_url

    ensure_database_url()
