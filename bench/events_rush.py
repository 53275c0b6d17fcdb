"""The registration rush: 3,600 people register through the real HTML form for 3,000 seats.

    .venv/bin/python bench/events_rush.py [--clients 60] [--people 3600] [--seats 3000]

Starts the production server as the README does (`beteiligung serve`: gunicorn
2 workers x 4 threads, whitenoise, task worker and scheduler) on a fresh database
of its own. Each simulated person, a new visitor with one keep-alive connection
as a browser has, GETs the registration form linked from the event page (CSRF
cookie and token), POSTs it and follows the redirect to the status page. Reports
registrations/s, latency percentiles, errors, final counts (overbooking must be
0), where the CPU went, and, in the same run, the requests/s of a trivial view on
the same server as the floor. Figures, not a test. Needs wrk for the floor (apt-get install wrk).
"""

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from _db import drop_database, fresh_database
from _wrk import wrk

from beteiligung.project.testing.live import Browser, free_port

DB = "beteiligung_bench_rush"
HOST = "rush.localhost"


def prepare(seats):
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from beteiligung.portal.authorities import create_authority
    from modules.events.models import EventPage
    from tenants.services import create_tenant

    call_command("setup_portal", verbosity=0)
    tenant = create_tenant("rush", "Kongress-Land", HOST).tenant
    with tenant_context(tenant):
        authority = create_authority("Ministerium für Digitales")
        now = timezone.now()
        event = authority.add_child(instance=EventPage(
            title="Digitalkongress", teaser="Zwei Tage Digitalisierung.",
            event_start=now + timedelta(days=30), event_end=now + timedelta(days=31),
            starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=29),
            capacity=seats, waitlist_enabled=True, venue_name="Congress Center",
        ))
        # The form as linked from the event page: its own lean page (no page-tree routing).
        path = f"/veranstaltungen/{event.pk}/anmeldung/"
    connections.close_all()
    return path


def person(args):
    port, path, index = args
    # Every person from an address of their own, as the reverse proxy in front of the
    # portal reports it (the server trusts 127.0.0.1 as proxy, see main): the portal limits
    # unconfirmed registrations per client address, and 3,600 people are not one client.
    address = f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"
    browser = Browser(port, HOST, headers={"X-Forwarded-For": address})
    started = time.perf_counter()
    try:
        token = browser.form_token(path)
        posted = time.perf_counter()
        status, headers, _ = browser.post(path, {
            "csrfmiddlewaretoken": token, "name": f"Teilnehmerin {index}",
            "email": f"person{index}@example.org", "privacy_consent": "on",
        })
        post_latency = time.perf_counter() - posted
        if status != 302:
            return False, post_latency, time.perf_counter() - started, f"POST {status}"
        status, _, _ = browser.get(headers["Location"])
        ok = status == 200
        return ok, post_latency, time.perf_counter() - started, None if ok else f"status {status}"
    except Exception as error:  # noqa: BLE001 - every failure is counted and reported
        return False, 0.0, time.perf_counter() - started, repr(error)[:120]
    finally:
        browser.close()


def client_process(port, path, indices, threads):
    results, lock = [], threading.Lock()
    queue = list(indices)

    def work():
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop()
            result = person((port, path, index))
            with lock:
                results.append(result)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def tree_cpu_seconds(root):
    """CPU seconds (user + system) of a process tree (Linux /proc): (web, background),
    where web is gunicorn's processes and background the task worker and scheduler."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    web = b"gunicorn" in handle.read()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks, web)
    children = {}
    for pid, (parent, _, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    web = background = 0.0
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        _, seconds, is_web = stats[pid]
        if is_web:
            web += seconds
        else:
            background += seconds
        todo += children.get(pid, [])
    return web, background


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=60)
    parser.add_argument("--people", type=int, default=3600)
    parser.add_argument("--seats", type=int, default=3000)
    parser.add_argument("--server-workers", type=int, default=None,
                        help="gunicorn workers (default: as `beteiligung serve`)")
    parser.add_argument("--server-threads", type=int, default=None)
    options = parser.parse_args()
    base, url = fresh_database(DB)
    server = None
    try:
        path = prepare(options.seats)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "EMAIL_URL": "memory://",
               "ALLOWED_HOSTS": ".localhost,localhost,127.0.0.1", "TRUSTED_PROXIES": "127.0.0.1"}
        command = [sys.executable, "-m", "beteiligung.project.cli", "serve", "--port", str(port)]
        if options.server_workers:
            command += ["--workers", str(options.server_workers)]
        if options.server_threads:
            command += ["--threads", str(options.server_threads)]
        server = subprocess.Popen(command, env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if Browser(port, HOST).get("/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        floor = None
        if shutil.which("wrk"):
            floor = wrk(f"http://127.0.0.1:{port}/healthz", HOST, seconds=5)[0]

        processes = 4
        per_process = max(1, options.clients // processes)
        chunks = [list(range(i, options.people, processes)) for i in range(processes)]
        server_cpu = tree_cpu_seconds(server.pid)
        clients_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        with ProcessPoolExecutor(processes) as pool:
            futures = [pool.submit(client_process, port, path, chunk, per_process)
                       for chunk in chunks]
            results = [r for future in futures for r in future.result()]
        elapsed = time.perf_counter() - started
        web_cpu, background_cpu = (after - before for after, before
                                   in zip(tree_cpu_seconds(server.pid), server_cpu, strict=True))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        clients_cpu = after.ru_utime + after.ru_stime - clients_cpu.ru_utime - clients_cpu.ru_stime

        from django.db import connections
        from django.db.models import Count
        from django_tenants.utils import schema_context

        from modules.events.models import Registration

        connections.close_all()
        with schema_context("rush"):
            by_status = dict(Registration.objects.values_list("status").annotate(n=Count("id")))
        errors = [r for r in results if not r[0]]
        post = [r[1] for r in results if r[0]]
        flow = [r[2] for r in results if r[0]]
        seats = by_status.get("pending", 0) + by_status.get("confirmed", 0)
        rate = len(post) / elapsed
        print(f"clients: {per_process * processes} ({processes} processes x {per_process} threads), "
              f"people: {options.people}, seats: {options.seats}")
        print(f"registrations/s: {rate:.0f}   (3 requests each: form, POST, status page)")
        print(f"POST latency   p50 {percentile(post, 50)*1000:.0f} ms   p95 "
              f"{percentile(post, 95)*1000:.0f} ms   p99 {percentile(post, 99)*1000:.0f} ms")
        print(f"whole flow     p50 {percentile(flow, 50)*1000:.0f} ms   p95 "
              f"{percentile(flow, 95)*1000:.0f} ms   p99 {percentile(flow, 99)*1000:.0f} ms")
        print(f"errors: {len(errors)}" + (f"  e.g. {errors[0][3]}" if errors else ""))
        print(f"final: holding a seat {seats} (pending {by_status.get('pending', 0)}, confirmed "
              f"{by_status.get('confirmed', 0)}), waitlisted {by_status.get('waitlisted', 0)}, "
              f"overbooking {max(0, seats - options.seats)}")
        cores = os.cpu_count() or 1
        rest = max(0.0, cores * elapsed - web_cpu - background_cpu - clients_cpu)
        print(f"CPU during the rush ({cores} cores x {elapsed:.1f} s = {cores * elapsed:.0f} s): "
              f"gunicorn {web_cpu:.1f} s ({web_cpu / max(1, len(post)) * 1000:.1f} ms per "
              f"registration), mail worker and scheduler {background_cpu:.1f} s, load generator "
              f"{clients_cpu:.1f} s, PostgreSQL, system and idle {rest:.1f} s")
        if floor:
            requests_per_s = rate * 3
            print(f"floor: trivial view on the same server {floor:.0f} req/s; the rush served "
                  f"{requests_per_s:.0f} req/s = {requests_per_s / floor:.0%} of it")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        from django.db import connections

        connections.close_all()
        drop_database(base, DB)


if __name__ == "__main__":
    main()
