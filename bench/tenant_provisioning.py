"""Time to create tenants by cloning the template schema vs. by running all migrations.

    .venv/bin/python bench/tenant_provisioning.py [N]

Runs on a database of its own (dropped afterwards). Prints per-tenant times and
the ratio. Not a test: figures for the issue notes and the README.
"""

import statistics
import sys
import time

from _db import drop_database, fresh_database

N = int(sys.argv[1]) if len(sys.argv) > 1 else 3
DB = "beteiligung_bench_provisioning"


def main():
    base, _url = fresh_database(DB)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from tenants.services import create_tenant

        started = time.perf_counter()
        call_command("setup_portal", verbosity=0)
        print(f"setup (public schema + template by migration): {time.perf_counter() - started:.2f} s")

        cloned = []
        for i in range(N):
            result = create_tenant(f"clone{i}", f"Klon {i}", f"clone{i}.localhost",
                                   admin_email=f"admin{i}@example.org")
            cloned.append(result.seconds)
        settings.TENANT_CREATION_FAKES_MIGRATIONS = False
        migrated = []
        for i in range(N):
            result = create_tenant(f"migr{i}", f"Migriert {i}", f"migr{i}.localhost",
                                   admin_email=f"admin{i}@example.org")
            migrated.append(result.seconds)
        c, m = statistics.median(cloned), statistics.median(migrated)
        print(f"tenants per method: {N} (each: schema, site, home and legal pages, administrator)")
        print("clone:   " + ", ".join(f"{s:.2f}" for s in cloned) + f" s  (median {c:.2f} s)")
        print("migrate: " + ", ".join(f"{s:.2f}" for s in migrated) + f" s  (median {m:.2f} s)")
        print(f"ratio migrate/clone: {m / c:.1f}x")
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(base, DB)


if __name__ == "__main__":
    main()
