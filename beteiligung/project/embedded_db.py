"""A project-local PostgreSQL server for development, tests and the demo.

PostgreSQL is required (tenants live in schemas). When DATABASE_URL is not set,
the CLI and the test suite call :func:`ensure_database_url`, which starts a
server from the ``pgserver`` wheel with its data under ``.var/postgres``
(git-ignored), reachable only through a Unix socket, and stops it when the
process that started it exits. Child processes (gunicorn workers, the task
worker) inherit DATABASE_URL and reuse the running server.
"""

import atexit
import os
from pathlib import Path

from beteiligung.project.env import var_dir

TUNING = {
    # A development/test server: durability is traded for speed. Never used in
    # production, which always names its own DATABASE_URL.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "256MB",
}

_server = None


def _tune(pgdata: Path):
    conf = pgdata / "postgresql.conf"
    marker = "# beteiligung tuning"
    text = conf.read_text()
    if marker in text:
        return False
    lines = [marker] + [f"{key} = {value}" for key, value in TUNING.items()]
    conf.write_text(text + "\n" + "\n".join(lines) + "\n")
    return True


def _prune_dead_handles(pgdata: Path):
    """pgserver counts the processes using the server in a file and stops it when the
    last one exits; a process that was killed leaves its pid behind and the server
    would never stop again. Forget pids that no longer run."""
    import json

    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        except PermissionError:
            pass
        alive.append(pid)
    if alive != pids:
        handles.write_text(json.dumps(alive))


def start(pgdata=None):
    """Start (or attach to) the embedded server and return its URL."""
    global _server
    import warnings

    # platformdirs warns that XDG_RUNTIME_DIR is unset (normal in containers/CI).
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    pgdata = Path(pgdata or var_dir() / "postgres")
    _prune_dead_handles(pgdata)
    _server = pgserver.get_server(pgdata, cleanup_mode="stop")
    if _tune(pgdata):
        # Settings that need a restart: stop, and let pgserver start it again.
        _server.cleanup()
        pgserver.PostgresServer._instances.pop(pgdata.resolve(), None)
        _server = pgserver.get_server(pgdata, cleanup_mode="stop")
    atexit.register(stop)
    return _server.get_uri()


def stop():
    global _server
    if _server is not None:
        try:
            _server.cleanup()
        finally:
            _server = None


def ensure_database_url():
    """Set DATABASE_URL to the embedded server unless it is set already."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start()
        os.environ["BETEILIGUNG_EMBEDDED_DB"] = "1"
    return os.environ["DATABASE_URL"]
