"""The default cache is shared by all processes (rate limits count across gunicorn
workers) and tenant-prefixed; hot page views do not pay a round trip for it."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from beteiligung.project.env import parse_cache_url

from .factories import make_user


def test_cache_url_forms():
    assert parse_cache_url(None)["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert parse_cache_url(None)["LOCATION"] == "beteiligung_cache"
    assert parse_cache_url("db://anderer_cache")["LOCATION"] == "anderer_cache"
    redis = parse_cache_url("redis://127.0.0.1:6379/2")
    assert redis == {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": "redis://127.0.0.1:6379/2"}
    assert parse_cache_url("locmem://")["BACKEND"].endswith("LocMemCache")
    with pytest.raises(ValueError):
        parse_cache_url("memcache://x")


def test_default_cache_is_the_shared_table_in_public(tenant_a, tenant_b):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.CACHES["default"]["KEY_FUNCTION"] == "django_tenants.cache.make_key"
    with tenant_context(tenant_a):
        cache.set("zaehler", 1)
    with tenant_context(tenant_b):
        assert cache.get("zaehler") is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM public.beteiligung_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any(key.startswith("alpha:") and key.endswith(":zaehler") for key in keys)


def test_page_views_do_not_query_the_shared_cache(tenant_a, client_a):
    """Wagtail keeps its site root paths in the default cache: with a shared cache that
    would be a round trip per page; participation/cache.py hands them over per process."""
    client_a.get("/")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client_a.get("/").status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "beteiligung_cache" in q["sql"]]


WRONG = "ein-falsches-Passwort-1"
LIMITED = "Zu viele gescheiterte Anmeldeversuche"
WRONG_PASSWORD = "Passwort sind leider falsch"


REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_reachable():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("cache_url", [None, REDIS_URL], ids=["database", "redis"])
def test_login_rate_limit_counts_across_processes(django_db_setup, django_db_blocker, cache_url):
    """Two server processes on one database (as two gunicorn workers): 10 wrong passwords
    for one account, alternating between them. At most 5 are checked as passwords.
    The same with Redis as the shared store (CACHE_URL), where a Redis server runs."""
    if cache_url == REDIS_URL:
        if not _redis_reachable():
            pytest.skip("NO REDIS SERVER on 127.0.0.1:6379: the Redis variant of the shared "
                        "rate limit was not tested")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    from django.contrib.auth import get_user_model

    from beteiligung.project.testing.live import Browser, database_url, start_gunicorn, stop
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        tenant = Tenant.objects.get(schema_name="alpha")
        with tenant_context(tenant):
            make_user("ratelimit@example.org")
        env = {"DATABASE_URL": database_url(connection.settings_dict["NAME"]), "EMAIL_URL": "memory://"}
        if cache_url:
            env["CACHE_URL"] = cache_url
        with ThreadPoolExecutor(2) as pool:
            servers = list(pool.map(lambda _: start_gunicorn(workers=1, threads=2, env=env), range(2)))
        try:
            answers = []
            for attempt in range(10):
                browser = Browser(servers[attempt % 2].port, "alpha.localhost")
                token = browser.form_token("/konto/login/")
                status, _headers, body = browser.post("/konto/login/", {
                    "csrfmiddlewaretoken": token, "login": "ratelimit@example.org", "password": WRONG,
                })
                browser.close()
                answers.append("limited" if status == 429 or LIMITED in body
                               else "wrong" if WRONG_PASSWORD in body else f"HTTP {status}")
        finally:
            for server in servers:
                stop(server)
            with tenant_context(tenant):
                get_user_model().objects.filter(email="ratelimit@example.org").delete()
                cache.clear()
            if cache_url == REDIS_URL:
                redis.Redis.from_url(REDIS_URL).flushdb()
            connection.set_schema_to_public()
    assert answers.count("wrong") <= 5, answers
    assert answers.count("limited") == 10 - answers.count("wrong"), answers
