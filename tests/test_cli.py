"""The `beteiligung demo` command end to end, on a database of its own."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psycopg
import pytest

from beteiligung.project.testing.live import database_url, free_port

DB = "beteiligung_test_demo"


@pytest.fixture(scope="module")
def demo_env():
    base = os.environ["DATABASE_URL"]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    url = database_url(DB)
    env = {**os.environ, "DATABASE_URL": url}
    for name in ("DJANGO_SETTINGS_MODULE", "EMAIL_URL", "TASKS_BACKEND"):  # as a newcomer has it
        env.pop(name, None)
    yield env
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def _demo(env, *args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "beteiligung.project.cli", "demo", *args],
        env=env, capture_output=True, text=True, timeout=timeout,
    )


def _get(port, host, path="/"):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_demo_is_idempotent_and_serves_both_tenants(demo_env):
    first = _demo(demo_env, "--no-serve")
    assert first.returncode == 0, first.stderr[-2000:]
    for expected in ("http://sachsen.localhost:8000/", "http://nrw.localhost:8000/",
                     "redaktion@sachsen.localhost", "Password:", "TOTP secret"):
        assert expected in first.stdout
    second = _demo(demo_env, "--no-serve")
    assert second.returncode == 0, second.stderr[-2000:]
    with psycopg.connect(demo_env["DATABASE_URL"]) as conn:
        schemas = [r[0] for r in conn.execute(
            "SELECT schema_name FROM tenants_tenant ORDER BY 1").fetchall()]
        assert schemas == ["nrw", "public", "sachsen", "tenant_template"]
        for schema in ("sachsen", "nrw"):
            authorities = conn.execute(
                f'SELECT count(*) FROM "{schema}".beteiligung_authoritypage').fetchone()[0]
            assert authorities == 2

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "beteiligung.project.cli", "demo", "--port", str(port)],
        env=demo_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.5)
        status, body = _get(port, f"sachsen.localhost:{port}")
        assert status == 200 and "Beteiligungsportal Sachsen" in body
        assert "#007a3d" in body  # Saxony's branding
        status, body = _get(port, f"nrw.localhost:{port}")
        assert status == 200 and "#b3001b" in body
        status, body = _get(port, f"localhost:{port}")
        assert status == 200 and "nrw.localhost" in body and "sachsen.localhost" in body
        status, body = _get(port, f"nrw.localhost:{port}", "/static/beteiligung/css/portal.css")
        assert status == 200 and "--brand" in body
        status, body = _get(port, f"nrw.localhost:{port}", "/demo/postausgang/")
        assert status == 200 and "/konto/password/reset/key/" in body
        status, body = _get(port, f"nrw.localhost:{port}", "/verfahren/?type=events")
        assert status == 200 and "Infoabend Radschnellweg Ruhr RS1" in body
        assert _get(port, f"niemand.localhost:{port}")[0] == 404
    finally:
        os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0, output[-2000:]
    assert "Traceback" not in output
