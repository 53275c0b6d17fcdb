"""The database backend (beteiligung/project/db/base.py): no SET search_path for the same tenant
again, a new one after a switch or a rollback, and lost connections still replaced."""

import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from beteiligung.project.testing.live import Browser, database_url, start_gunicorn, stop


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


def test_content_type_cache_is_per_schema(django_db_setup, django_db_blocker):
    """ContentType ids differ between schemas (here made to); a thread serving beta must
    never get the row another thread cached for alpha (Django caches per alias only)."""
    import threading

    from django.contrib.contenttypes.models import ContentType
    from django_tenants.utils import tenant_context

    from tenants.models import Tenant

    with django_db_blocker.unblock():
        alpha = Tenant.objects.get(schema_name="alpha")
        beta = Tenant.objects.get(schema_name="beta")
        with tenant_context(beta):  # cloned sequences: one row more in beta shifts the ids
            filler = ContentType.objects.create(app_label="tests_ct", model="filler")
            in_beta = ContentType.objects.create(app_label="tests_ct", model="probe")
        with tenant_context(alpha):
            in_alpha = ContentType.objects.create(app_label="tests_ct", model="probe")
        assert in_alpha.pk != in_beta.pk and in_alpha.pk == filler.pk  # a real mismatch
        beta_ready, alpha_cached = threading.Event(), threading.Event()
        seen = {}

        def beta_thread():
            try:
                connection.set_tenant(beta)
                ContentType.objects.count()
                beta_ready.set()
                alpha_cached.wait(10)
                seen["natural"] = ContentType.objects.get_by_natural_key("tests_ct", "probe").pk
                seen["by_id"] = ContentType.objects.get_for_id(in_alpha.pk).model
            finally:
                connection.close()

        thread = threading.Thread(target=beta_thread)
        thread.start()
        try:
            beta_ready.wait(10)
            connection.set_tenant(alpha)
            assert ContentType.objects.get_by_natural_key("tests_ct", "probe").pk == in_alpha.pk
            assert ContentType.objects.get_for_id(in_alpha.pk).model == "probe"
            alpha_cached.set()
            thread.join(10)
            assert seen == {"natural": in_beta.pk, "by_id": "filler"}
        finally:
            alpha_cached.set()
            for tenant in (alpha, beta):
                with tenant_context(tenant):
                    ContentType.objects.filter(app_label="tests_ct").delete()
            ContentType.objects.clear_cache()
            connection.set_schema_to_public()
