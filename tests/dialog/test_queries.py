"""The dialog page and a contribution page render with the same number of SQL queries
for 10 and for 1,000 posts (and a thread of 500 comments): no query per row."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beteiligung.participation import cache as site_cache
from beteiligung.participation.moderation import Visibility
from beteiligung.participation.state import bump_version
from modules.dialog import fastpath, reading, services
from modules.dialog.models import Post
from tenants.middleware import clear_host_cache

from .conftest import post_data

SHOW = False


def _add(dialog, contributions, comments_on, comments, author):
    now = timezone.now()
    Post.objects.bulk_create([
        Post(dialog=dialog, title=f"Idee {i}", text=f"Text {i}\nmit https://example.org/{i}",
             author=author, author_name="Anna Beispiel", visibility=Visibility.PUBLISHED,
             created_at=now, published_at=now, support_count=i % 7, reply_count=i % 5)
        for i in range(contributions)
    ])
    parents = [comments_on]
    made = []
    for i in range(comments):
        parent = parents[i % len(parents)]
        made.append(Post(dialog=dialog, root=comments_on, parent=parent,
                         depth=min(parent.depth + 1, 3), text=f"Kommentar {i}",
                         author=author, author_name="Bernd", visibility=Visibility.PUBLISHED,
                         created_at=now, published_at=now))
        if i % 50 == 49:
            parents = Post.objects.bulk_create(made)[:3] + [comments_on]
            made = []
    Post.objects.bulk_create(made)
    services.recount_replies(comments_on.pk)
    bump_version(dialog.pk)


def _count(client, path, show=False):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    if show:
        for query in queries.captured_queries:
            print(query["sql"][:300])
    return len(queries)


def _measure(dialog, root, user):
    anonymous = Client(HTTP_HOST="alpha.localhost")
    member = Client(HTTP_HOST="alpha.localhost")
    member.force_login(user)
    base = dialog.url_path_on_site
    result = {}
    for name, client in (("anonymous", anonymous), ("member", member)):
        for page, path in (("dialog", base), ("thread", f"{base}beitrag/{root.pk}/")):
            # Cold: nothing kept in this process (the Site kept by the site cache loads
            # its root page on first use, so keeping it from an earlier request would
            # make the count depend on what ran before).
            reading.clear()
            fastpath.clear()
            site_cache.clear()
            clear_host_cache()  # kept from earlier tests with their own expiry
            cold = _count(client, path)
            warm = _count(client, path)
            result[(name, page)] = (cold, warm)
    return result


def test_same_queries_for_10_and_1000_posts(dialog, user, other, capsys, settings):
    # The per-process caches expire after TENANT_CACHE_SECONDS: on a busy machine this
    # test takes longer than the default 30 s, and an expiry would add queries by chance.
    settings.TENANT_CACHE_SECONDS = 3600
    root = services.submit_contribution(dialog, post_data(title="Viel diskutiert"), user=user)
    services.rate(root, other, 1)
    _add(dialog, 9, root, 10, other)
    _measure(dialog, root, user)  # the process's first requests fill its site caches
    small = _measure(dialog, root, user)
    _add(dialog, 990, root, 490, other)
    assert Post.objects.filter(depth=0).count() == 1000
    assert Post.objects.filter(root=root).count() == 500
    large = _measure(dialog, root, user)
    with capsys.disabled():
        print("\nqueries (cold, warm) 10 posts:", small, "\n1000 posts:", large)
    assert small == large
    if SHOW:
        with capsys.disabled():
            anonymous = Client(HTTP_HOST="alpha.localhost")
            print("--- dialog page, warm")
            _count(anonymous, dialog.url_path_on_site, show=True)
            print("--- thread, warm")
            _count(anonymous, f"{dialog.url_path_on_site}beitrag/{root.pk}/", show=True)
    # Warm pages: Wagtail's routing (6 queries: the page tree, the specific page, view
    # restrictions) and one fingerprint query.
    assert large[("anonymous", "thread")][1] <= 7
    assert large[("anonymous", "dialog")][1] <= 7
