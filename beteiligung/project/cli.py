"""The ``beteiligung`` command.

    beteiligung demo [--port 8000] [--no-serve]   two demo tenants, served at *.localhost
    beteiligung serve [--port 8000] [--workers N] production server (gunicorn + whitenoise)
    beteiligung worker                            run background tasks
    beteiligung scheduler                         enqueue periodic tasks for every tenant
    beteiligung setup                             migrate public, template and all tenants
    beteiligung tenant create|list|deactivate|activate|delete|add-authority|configure-oidc
    beteiligung export --schema S --list | --procedure ID --table KEY --output FILE [--format csv|xlsx]
    beteiligung <any manage.py command>           e.g. beteiligung createsuperuser

Without DATABASE_URL the command starts the project's embedded PostgreSQL and
stops it again on exit.
"""

import argparse
import os
import signal
import subprocess
import sys

# One gunicorn process per core with a few threads each measured best in
# bench/events_rush.py (POST p95 on 2 cores: 2 x 4 285 ms; 2 x 8 324 ms; 3 x 4 362 ms;
# 4 x 2 433 ms).
DEFAULT_WORKERS = max(2, os.cpu_count() or 1)
DEFAULT_THREADS = 4


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beteiligung.project.settings")
    if not os.environ.get("DATABASE_URL") and not os.environ.get("BETEILIGUNG_PRODUCTION"):
        from beteiligung.project.embedded_db import ensure_database_url

        ensure_database_url()
    import django

    django.setup()


def manage(argv):
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["beteiligung", *argv])


def _gunicorn_command(port, workers, threads):
    command = [
        sys.executable, "-m", "gunicorn", "beteiligung.project.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--graceful-timeout", "5",
    ]
    # Without the option gunicorn writes no access log at all (formatting one costs
    # about 4 % of a request even when it goes to /dev/null).
    if os.environ.get("ACCESS_LOG"):
        command += ["--access-logfile", "-"]
    return command


def serve(port, workers, threads, with_worker=True, banner=None):
    """Run gunicorn (and the task worker) until Ctrl-C; return its exit code."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    processes = [subprocess.Popen(_gunicorn_command(port, workers, threads))]
    if with_worker:
        for command in ("worker", "scheduler"):
            processes.append(subprocess.Popen([sys.executable, "-m", "beteiligung.project.cli", command]))
    if banner:
        print(banner, flush=True)

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        return processes[0].wait()
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "demo":
        parser = argparse.ArgumentParser(prog="beteiligung demo")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true")
        parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
        options = parser.parse_args(rest)
        os.environ["BETEILIGUNG_DEMO"] = "1"
        os.environ.setdefault("PORTAL_URL_PORT", str(options.port))
        _django()
        from beteiligung.portal.demo import run_demo

        banner = run_demo(port=options.port)
        if options.no_serve:
            print(banner)
            return 0
        return serve(options.port, options.workers, DEFAULT_THREADS, banner=banner + "\nCtrl-C stops the "
                     "server and the embedded database.")
    if command == "serve":
        parser = argparse.ArgumentParser(prog="beteiligung serve")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
        parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
        parser.add_argument("--no-worker", action="store_true")
        options = parser.parse_args(rest)
        _django()
        return serve(options.port, options.workers, options.threads,
                     with_worker=not options.no_worker,
                     banner=f"Serving on http://127.0.0.1:{options.port}/ (Ctrl-C stops)")
    if command in ("worker", "scheduler"):
        # Background work yields the CPU to web requests: when registration opens and
        # the machine is saturated, e-mails wait a little instead of visitors.
        os.nice(int(os.environ.get("WORKER_NICE", 19)))
    if command == "worker":
        return manage(["db_worker", *rest])
    if command == "setup":
        return manage(["setup_portal", *rest])
    return manage(argv)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
