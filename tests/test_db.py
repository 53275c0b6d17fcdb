"""The database backend (beteiligung/db/base.py): no SET search_path for the same tenant
again, a new one after a switch or a rollback, and lost connections still replaced."""

import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from beteiligung.testing.live import Browser, database_url, start_gunicorn, stop


def _search_path_statements(queries):
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")]


def test_same_tenant_again_keeps_the_search_path(tenant_a, tenant_b):
    connection.set_tenant(tenant_a)
    Site.objects.count()
    with CaptureQueriesContext(connection) as queries:
        connection.set_tenant(tenant_a)
        alpha = Site.objects.get().hostname
        connection.set_tenant(tenant_b)
        beta = Site.objects.get().hostname
        connection.set_tenant(tenant_b)
        Site.objects.count()
    assert (alpha, beta) == ("alpha.localhost", "beta.localhost")
    assert _search_path_statements(queries) == ['SET search_path = "beta","public"']


def test_search_path_sent_again_after_a_rollback(tenant_a):
    """A rollback may discard a SET: the path is sent again before the next statement."""
    connection.set_tenant(tenant_a)
    Site.objects.count()
    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                Site.objects.count()
                raise RuntimeError
        except RuntimeError:
            pass
        connection.set_tenant(tenant_a)
        assert Site.objects.get().hostname == "alpha.localhost"
    statements = [q["sql"].split(" ")[0] + (" path" if "search_path" in q["sql"] else "")
                  for q in queries.captured_queries]
    rollback = statements.index("ROLLBACK")
    assert "SET path" in statements[rollback + 1:]
    assert statements.count("SET path") == 1


def test_connection_lost_while_idle_is_replaced(django_db_setup, django_db_blocker):
    """The server's connection is terminated between two requests: after the idle time the
    health check notices and the next request is served on a new connection."""
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
        server = start_gunicorn(workers=1, threads=1, env={
            "DATABASE_URL": database_url(name), "DB_HEALTH_CHECK_IDLE_SECONDS": "0.2",
            "EMAIL_URL": "memory://",
        })
        try:
            browser = Browser(server.port, "alpha.localhost")
            assert browser.get("/")[0] == 200
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()", [name])
                assert cursor.fetchone()[0] >= 1
            time.sleep(0.4)
            assert browser.get("/")[0] == 200
        finally:
            stop(server)
