"""The dialog at scale: how fast are the dialog page and the busiest contribution page?

    .venv/bin/python bench/dialog_page.py [--seconds 10] [--connections 32]
    .venv/bin/python bench/dialog_page.py --small      # 50 contributions, 200 comments, 2 s

Builds, on a fresh database of its own (dropped afterwards), a tenant with one open
dialog of 2,000 contributions, 20,000 comments (the busiest contribution has ~500,
threaded to depth 3; the rest are spread unevenly) and ~40,000 ratings by 400 accounts,
plus one participant account with a password and a verified address (participants
have no second factor). The set-up writes rows with bulk_create and sets the counters
with one UPDATE each; it is not measured.

Then starts gunicorn as `beteiligung serve` does (2 workers x 4 threads, gthread) and
measures with wrk, one after the other on the same server in the same run:
* /healthz (the floor);
* the dialog page (its real URL from Wagtail: the first page of contributions, where a
  citizen lands);
* the busiest contribution page (`{dialog url}beitrag/<id>/`, all its comments threaded);
each anonymously and logged in as the participant (session cookie from allauth's real
login form, /konto/login/). Before measuring, every page must answer 200 with the
expected text, or the bench stops with the reason.

Queries per page are counted in this process with Django's test client and
CaptureQueriesContext (same database, same tenant, same login form), on the third
request (warm per-process caches, as a running server has them; the first after the
login still shows its message); the first request's count is shown in brackets.

Prints req/s, p95 (wrk's latency distribution through a Lua `done` hook, since wrk's
--latency output has no p95), the ratio to /healthz (measured at the start and at the
end; the ratios use the higher of the two), non-2xx answers and queries,
beside the targets of issue 8 (anonymous >= 30 % of /healthz, logged in >= 10 %).
Figures, not a test. Needs wrk (apt-get install wrk).
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from html import escape

from _db import drop_database, fresh_database

from beteiligung.project.testing.live import Browser, free_port, start_gunicorn, stop

DB = "beteiligung_bench_dialog"
HOST = "dialog.localhost"
PASSWORD = "Bench-Passwort-fuer-Teilnehmende-42"
PARTICIPANT = "teilnehmerin@dialog.localhost"
QUESTION = "Wie soll unsere Stadt im Jahr 2040 aussehen?"
RATERS = 400

SENTENCES = [
    "Die Straßenbahn sollte bis in die Neubaugebiete verlängert werden.",
    "Mehr Bäume in den Straßen würden im Sommer spürbar kühlen.",
    "Viele ältere Menschen wünschen sich Bänke entlang der Wege.",
    "Die Radwege enden oft abrupt an Kreuzungen, das ist gefährlich.",
    "Bezahlbarer Wohnraum fehlt vor allem für junge Familien.",
    "Leerstehende Läden könnten für Vereine und Kultur genutzt werden.",
    "Der Marktplatz braucht mehr Schatten und einen Trinkbrunnen.",
    "Schulhöfe sollten nachmittags für alle Kinder offen sein.",
    "Ein Bürgerhaus im Stadtteil würde die Nachbarschaft stärken.",
    "Die Busse fahren abends zu selten, gerade für Schichtarbeitende.",
    "Ich stimme zu, aber die Kosten müssen transparent gemacht werden.",
    "Das sehe ich anders: Zuerst müssen die Schulen saniert werden.",
]

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95)))
end
"""


def options():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true",
                        help="a quick check: 50 contributions, 200 comments, 2 s per measurement")
    parser.add_argument("--contributions", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=20000)
    parser.add_argument("--ratings", type=int, default=40000)
    parser.add_argument("--busiest", type=int, default=500, help="comments of the busiest")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seed", type=int, default=8)
    parsed = parser.parse_args()
    if parsed.small:
        parsed.contributions, parsed.comments, parsed.ratings = 50, 200, 400
        parsed.busiest, parsed.seconds = 50, 2
    parsed.busiest = min(parsed.busiest, parsed.comments)
    return parsed


# --- set-up (not measured) ------------------------------------------------------------

def text(rng, sentences, marker):
    return " ".join(rng.sample(SENTENCES, sentences)) + f" ({marker})"


def thread_shape(rng, size):
    """``size`` comments of one thread as (parent index or None for the contribution,
    depth): about a fifth at depth 1, the rest replying to earlier comments."""
    nodes = []
    for _ in range(size):
        candidates = [i for i in range(max(0, len(nodes) - 40), len(nodes)) if nodes[i][1] < 3]
        if not nodes or rng.random() < 0.2 or not candidates:
            nodes.append((None, 1))
        else:
            parent = rng.choice(candidates)
            nodes.append((parent, nodes[parent][1] + 1))
    return nodes


def thread_sizes(rng, contributions, comments, busiest):
    """Comments per contribution: the busiest (index 0) gets ``busiest``; the rest are
    spread unevenly (a few lively discussions, many quiet ones)."""
    rest = comments - busiest
    weights = [rng.paretovariate(1.5) for _ in range(contributions - 1)]
    total = sum(weights) or 1
    sizes = [min(busiest - 1, int(rest * w / total)) for w in weights]
    for i in rng.sample(range(len(sizes)), len(sizes)):  # hand out what rounding left over
        if sum(sizes) >= rest:
            break
        sizes[i] += min(busiest - 1 - sizes[i], rest - sum(sizes))
    return [busiest, *sizes]


def build(opts):
    """The tenant, the dialog and its rows. Returns what the measurements need."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, connections, transaction
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from beteiligung.participation.moderation import Visibility
    from beteiligung.participation.state import bump_version
    from beteiligung.portal.authorities import create_authority
    from modules.dialog.models import DialogCategory, DialogPage, Post, Rating
    from tenants.services import create_tenant

    rng = random.Random(opts.seed)
    started = time.perf_counter()
    call_command("setup_portal", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    tenant = create_tenant("dialogbench", "Dialog-Land", HOST).tenant
    now = timezone.now()
    with tenant_context(tenant), transaction.atomic():
        authority = create_authority("Stadt Beispielhausen", short_name="Beispielhausen")
        dialog = authority.add_child(instance=DialogPage(
            title="Stadt 2040", slug="stadt-2040", question=QUESTION,
            teaser="Ihre Ideen für die Stadt von morgen.",
            introduction="<p>Sagen Sie uns, was Ihnen wichtig ist.</p>",
            starts_at=now - timedelta(days=30), ends_at=now + timedelta(days=30),
            participation_mode="account", moderation_mode="post",
            categories=[DialogCategory(name=name, sort_order=i) for i, name in
                        enumerate(["Verkehr", "Wohnen", "Grün", "Kultur"])],
        ))
        dialog.save_revision().publish()
        categories = list(dialog.categories.all())

        users = get_user_model().objects.bulk_create([
            get_user_model()(username=f"person{i}@dialog.localhost",
                             email=f"person{i}@dialog.localhost", first_name=f"Person {i}",
                             password="!")  # unusable
            for i in range(RATERS)
        ])
        participant = get_user_model().objects.create(
            username=PARTICIPANT, email=PARTICIPANT, first_name="Tina", last_name="Teilnehmerin",
            password=make_password(PASSWORD))
        EmailAddress.objects.bulk_create([
            EmailAddress(user=u, email=u.email, verified=True, primary=True)
            for u in [*users, participant]
        ])

        # Contributions: the busiest (index 0) is the oldest, so it is not on the first
        # page by default; its thread is measured on its own page.
        span = timedelta(days=29)
        sizes = thread_sizes(rng, opts.contributions, opts.comments, opts.busiest)
        contributions = []
        for i in range(opts.contributions):
            author = users[i % RATERS]
            created = now - span + span * i / opts.contributions
            contributions.append(Post(
                dialog=dialog, depth=0, title=f"Vorschlag {i}: {rng.choice(SENTENCES)[:80]}",
                text=text(rng, 4, f"V{i}"), category=rng.choice(categories),
                author=author, author_name=author.first_name, author_email=author.email,
                email_key=author.email, created_at=created, published_at=created,
                visibility=Visibility.HIDDEN if i % 97 == 5 else Visibility.PUBLISHED,
                hidden_reason="Werbung" if i % 97 == 5 else "",
            ))
        Post.objects.bulk_create(contributions, batch_size=2000)

        # Comments level by level, so parents have their ids.
        levels = {1: [], 2: [], 3: []}  # (Post, parent Post or index into the thread)
        number = 0
        for contribution, size in zip(contributions, sizes, strict=True):
            made = []
            for parent, depth in thread_shape(rng, size):
                author = users[rng.randrange(RATERS)]
                created = contribution.created_at + timedelta(minutes=5 * (len(made) + 1))
                post = Post(dialog=dialog, root=contribution, depth=depth,
                            text=text(rng, 2, f"K{number}"), author=author,
                            author_name=author.first_name, author_email=author.email,
                            email_key=author.email, created_at=created, published_at=created,
                            visibility=Visibility.PUBLISHED)
                number += 1
                levels[depth].append((post, contribution if parent is None else made[parent]))
                made.append(post)
        for depth in (1, 2, 3):
            for post, parent in levels[depth]:
                post.parent = parent
            Post.objects.bulk_create([post for post, _ in levels[depth]], batch_size=2000)

        # Ratings: about half on contributions (weight 10 each), half on comments; the
        # participant rated the busiest contribution and some of its comments.
        comments = [post for depth in (1, 2, 3) for post, _ in levels[depth]]
        weighted = [(c, 10.0) for c in contributions] + [(c, 1.0) for c in comments]
        total = sum(w for _, w in weighted)
        ratings = []
        for post, weight in weighted:
            count = min(RATERS, int(rng.expovariate(1.0) * weight * opts.ratings / total + 0.5))
            for user in rng.sample(users, count):
                ratings.append(Rating(post=post, user=user, value=1 if rng.random() < 0.7 else -1))
        busiest = contributions[0]
        mine = [busiest, *[c for c in comments if c.root_id == busiest.pk][::10]]
        ratings += [Rating(post=post, user=participant, value=1) for post in mine]
        Rating.objects.bulk_create(ratings, batch_size=5000)

        # Counters as the services keep them (see modules/dialog/demo.py).
        with connection.cursor() as cursor:
            cursor.execute("""
                UPDATE dialog_post p SET support_count = r.s, oppose_count = r.o
                FROM (SELECT post_id, count(*) FILTER (WHERE value = 1) AS s,
                             count(*) FILTER (WHERE value = -1) AS o
                      FROM dialog_rating GROUP BY post_id) r
                WHERE r.post_id = p.id""")
            cursor.execute("""
                UPDATE dialog_post p SET reply_count = c.n
                FROM (SELECT root_id, count(*) AS n FROM dialog_post
                      WHERE root_id IS NOT NULL GROUP BY root_id) c
                WHERE c.root_id = p.id""")
            cursor.execute("""
                UPDATE dialog_post p SET reply_count = c.n
                FROM (SELECT parent_id, count(*) AS n FROM dialog_post
                      WHERE depth > 1 GROUP BY parent_id) c
                WHERE c.parent_id = p.id AND p.depth > 0""")
        bump_version(dialog.pk)
        dialog_url = dialog.url_path_on_site
        deepest = next((p for p, _ in levels[3] if p.root_id == busiest.pk), None)
        facts = dict(
            dialog_url=dialog_url, busiest_url=f"{dialog_url}beitrag/{busiest.pk}/",
            busiest_title=busiest.title, busiest_comments=sizes[0],
            deepest_marker=deepest.text.rsplit("(", 1)[1].rstrip(")") if deepest else None,
            newest_title=contributions[-1].title, posts=len(contributions) + len(comments),
            ratings=len(ratings),
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connections.close_all()
    print(f"set-up: {opts.contributions} contributions, {len(comments)} comments (busiest "
          f"{sizes[0]}), {len(ratings)} ratings in {time.perf_counter() - started:.0f} s")
    return tenant, facts


# --- checks and query counts (in this process, Django's test client) ---------------------

def check_page(content, path, expected):
    for needle in expected:
        if needle not in content:
            sys.exit(f"FAILED: {path} does not contain {needle!r}; nothing measured.")


def expectations(facts):
    """What each page must show, so that a fast error page is never measured."""
    return {
        "dialog": [escape(QUESTION), escape(facts["newest_title"])],
        "busiest": [escape(facts["busiest_title"])]
        + ([f"({facts['deepest_marker']})"] if facts["deepest_marker"] else []),
    }


def count_queries(tenant, facts):
    """{(page, visitor): (warm count, first count)}, checking status and text."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    expected = expectations(facts)
    pages = {"healthz": "/healthz", "dialog": facts["dialog_url"],
             "busiest": facts["busiest_url"]}
    counts = {}
    for visitor in ("anonymous", "participant"):
        client = Client(HTTP_HOST=HOST)
        if visitor == "participant":
            response = client.post("/konto/login/", {"login": PARTICIPANT, "password": PASSWORD})
            if response.status_code != 302:
                sys.exit(f"FAILED: login form answered {response.status_code}, not a redirect")
        for name, path in pages.items():
            runs = []
            for _ in range(3):  # the first after the login shows its message
                with CaptureQueriesContext(connection) as queries:
                    try:
                        response = client.get(path)
                    except Exception as error:  # noqa: BLE001 - reported, then stop
                        sys.exit(f"FAILED: {visitor} GET {path} raised {error!r} "
                                 f"(in-process); nothing measured.")
                runs.append(len(queries))
            if response.status_code != 200:
                sys.exit(f"FAILED: {visitor} GET {path} answered {response.status_code} "
                         f"(in-process); nothing measured.")
            content = response.content.decode()
            check_page(content, path, expected.get(name, []))
            if visitor == "participant" and name != "healthz" and "/konto/logout/" not in content:
                sys.exit(f"FAILED: {path} does not show the participant as logged in")
            counts[(name, visitor)] = (runs[-1], runs[0])
    connection.close()
    return counts


# --- measurements (wrk against gunicorn) -------------------------------------------------

def login(port):
    """The participant's session cookie, through allauth's login form."""
    browser = Browser(port, HOST)
    token = browser.form_token("/konto/login/")
    status, headers, _ = browser.post("/konto/login/", {
        "csrfmiddlewaretoken": token, "login": PARTICIPANT, "password": PASSWORD})
    if status != 302 or "sessionid" not in browser.cookies:
        sys.exit(f"FAILED: login through /konto/login/ answered {status} "
                 f"(cookies: {sorted(browser.cookies)})")
    return browser


def wrk_p95(url, host, seconds, connections, cookie=None, threads=2):
    """(req/s, non-2xx, p95 ms): wrk as bench/_wrk.py runs it, plus a cookie and p95."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    try:
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-H",
                   f"Host: {host}", "-s", script.name, url]
        if cookie:
            command[1:1] = ["-H", f"Cookie: {cookie}"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p95 = int(re.search(r"P95_US (\d+)", output).group(1)) / 1000
    return rps, int(errors.group(1)) if errors else 0, p95


def main():
    opts = options()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    os.environ.setdefault("ALLOWED_HOSTS", ".localhost,localhost,127.0.0.1,testserver")
    base, url = fresh_database(DB)
    server = None
    try:
        tenant, facts = build(opts)
        counts = count_queries(tenant, facts)
        port = free_port()
        server = start_gunicorn(port=port, workers=2, threads=4,
                                env={"DATABASE_URL": url, "EMAIL_URL": "memory://"})
        participant = login(port)
        # The session (and CSRF) cookie only: the login's flash message is shown once.
        cookie = "; ".join(f"{k}={v}" for k, v in participant.cookies.items()
                           if k in ("sessionid", "csrftoken"))
        expected = expectations(facts)
        targets = [("healthz", "/healthz", "anonymous")]
        for name in ("dialog", "busiest"):
            path = facts["dialog_url"] if name == "dialog" else facts["busiest_url"]
            for visitor in ("anonymous", "participant"):
                targets.append((name, path, visitor))
        for name, path, visitor in targets:  # over HTTP too, before any measurement
            browser = participant if visitor == "participant" else Browser(port, HOST)
            status, _, content = browser.get(path)
            if status != 200:
                sys.exit(f"FAILED: {visitor} GET {path} answered {status}; nothing measured.")
            check_page(content, path, expected.get(name, []))
        results = []
        for name, path, visitor in targets:
            target = f"http://127.0.0.1:{port}{path}"
            jar = cookie if visitor == "participant" else None
            wrk_p95(target, HOST, 1, opts.connections, jar)  # warm-up: connections, caches
            results.append((name, visitor, *wrk_p95(target, HOST, opts.seconds,
                                                    opts.connections, jar)))
        # The floor once more at the end: on a shared machine it moves between runs, and
        # the ratios are taken against the higher of the two (the conservative choice).
        wrk_p95(f"http://127.0.0.1:{port}/healthz", HOST, 1, opts.connections, None)
        results.append(("healthz", "anonymous", *wrk_p95(f"http://127.0.0.1:{port}/healthz",
                                                         HOST, opts.seconds, opts.connections,
                                                         None)))
        floor = max(results[0][2], results[-1][2])
        labels = {"healthz": "/healthz (floor, start)", "healthz_end": "/healthz (floor, end)",
                  "dialog": "dialog page, first page",
                  "busiest": f"busiest contribution ({facts['busiest_comments']} comments)"}
        print(f"\n{'page':44} {'visitor':12} {'req/s':>8} {'p95 ms':>8} {'ratio':>7} "
              f"{'target':>7} {'non-2xx':>8} {'queries':>10}")
        for name, visitor, rps, errors, p95 in results:
            target = "" if name == "healthz" else (">=30%" if visitor == "anonymous" else ">=10%")
            if name == "healthz" and (name, visitor, rps, errors, p95) == results[-1]:
                name = "healthz_end"
            warm, first = counts[("healthz" if name == "healthz_end" else name, visitor)]
            print(f"{labels[name]:44} {visitor:12} {rps:8.0f} {p95:8.1f} {rps / floor:7.1%} "
                  f"{target:>7} {errors:8d} {warm:>5} ({first})")
        print(f"\n{facts['posts']} posts, {facts['ratings']} ratings; gunicorn 2 workers x 4 "
              f"threads; wrk {opts.connections} connections, {opts.seconds} s per row. Queries: "
              "Django test client + CaptureQueriesContext in-process, third request (first).")
    finally:
        if server is not None:
            stop(server)
        from django.db import connections

        connections.close_all()
        drop_database(base, DB)


if __name__ == "__main__":
    main()
