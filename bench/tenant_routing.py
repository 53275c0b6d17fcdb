"""Requests/s inside a tenant (full middleware stack) vs. a bare Django view, same server settings.

    .venv/bin/python bench/tenant_routing.py [seconds]

Needs wrk (Debian package 'wrk'). Starts its own database and two gunicorn
servers (2 workers x 4 threads each, like `beteiligung serve`), measures one after
the other, prints requests/s and the ratio to the bare floor of the same run.
"""

import shutil
import sys
import time

from _db import drop_database, fresh_database
from _wrk import wrk

from beteiligung.project.testing.live import start_gunicorn, stop

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
DB = "beteiligung_bench_routing"


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    base, url = fresh_database(DB)
    servers = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from tenants.services import create_tenant

        call_command("setup_portal", verbosity=0)
        create_tenant("bench", "Bench-Land", "bench.localhost")
        connections.close_all()

        servers.append(start_gunicorn("bench.bare_app:application", 8102, threads=4))
        servers.append(start_gunicorn("beteiligung.project.wsgi:application", 8101, threads=4,
                                      env={"DATABASE_URL": url}))
        time.sleep(1)
        targets = [
            ("bare Django view, no database", "http://127.0.0.1:8102/", None),
            ("tenant: trivial view (/healthz)", "http://127.0.0.1:8101/healthz", "bench.localhost"),
            ("tenant: Wagtail home page", "http://127.0.0.1:8101/", "bench.localhost"),
            ("tenant: procedure listing", "http://127.0.0.1:8101/verfahren/", "bench.localhost"),
        ]
        results = []
        for label, target, host in targets:
            wrk(target, host, seconds=2)  # warm-up: connections, caches
            results.append((label, *wrk(target, host, seconds=SECONDS)))
        floor = results[0][1]
        print(f"{'':36} {'req/s':>8} {'ratio':>7} {'non-2xx':>8} {'p99':>8}")
        for label, rps, errors, p99 in results:
            print(f"{label:36} {rps:8.0f} {rps / floor:7.0%} {errors:8d} {p99:>8}")
    finally:
        for server in servers:
            stop(server)
        from django.db import connections

        connections.close_all()
        drop_database(base, DB)


if __name__ == "__main__":
    main()
