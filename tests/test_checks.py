"""Repository-level checks: migrations complete, production settings pass --deploy."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def test_makemigrations_check_is_clean(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_check_deploy_is_clean_in_production_settings():
    env = {
        **os.environ,
        "BETEILIGUNG_PRODUCTION": "1",
        "SECRET_KEY": "a-production-secret-" + "k7#Qz" * 12,
        "ALLOWED_HOSTS": ".beteiligung.example.de",
        "EMAIL_URL": "submission://portal:geheim@mail.example.de:587",
        "DATABASE_URL": os.environ["DATABASE_URL"],
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_missing_settings_and_demo_outbox():
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "EMAIL_URL"}}
    base["BETEILIGUNG_PRODUCTION"] = "1"
    for extra, message in [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "a.de"}, "EMAIL_URL must be set"),
        ({"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "a.de", "EMAIL_URL": "demo-outbox://"},
         "demo outbox is not allowed"),
    ]:
        result = subprocess.run(
            [sys.executable, "manage.py", "check"], cwd=ROOT, env={**base, **extra},
            capture_output=True, text=True, timeout=120,
        )
        assert result.returncode != 0
        assert message in result.stderr, result.stderr[-500:]
