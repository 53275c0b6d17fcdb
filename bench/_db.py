"""Shared set-up for benchmarks: a fresh database of their own on the project's server."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project, for bench scripts


def fresh_database(name):
    """Point DATABASE_URL at a new, empty database ``name`` and return its URL."""
    from beteiligung.project.embedded_db import ensure_database_url

    base = ensure_database_url()
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    from beteiligung.project.testing.live import database_url

    url = database_url(name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beteiligung.project.settings")
    os.environ.setdefault("EMAIL_URL", "memory://")
    return base, url


def drop_database(base, name):
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
