"""Test set-up: the tenants are built once per session.

Creating a schema costs seconds, so the two test tenants (alpha, beta) and the
template they are cloned from are made once, right after pytest-django has
created the test database; each test then runs in a transaction that is rolled
back, inside whichever schema it switches to.
"""

import json
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

TENANTS = {
    "alpha": {"name": "Land Alpha", "domain": "alpha.localhost"},
    "beta": {"name": "Land Beta", "domain": "beta.localhost"},
}

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """Create the test database (always: concurrency tests use it without a db mark),
    then the template and the two test tenants, once per session."""
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import create_tenant, ensure_public_tenant

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        assert connection.settings_dict["NAME"].startswith("test_"), "not a test database"
        ensure_public_tenant(["localhost", "testserver"])
        for schema, spec in TENANTS.items():
            create_tenant(schema, spec["name"], spec["domain"], admin_email=f"admin@{schema}.de")
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        teardown_databases(config, verbosity=0)


@pytest.fixture(autouse=True)
def _back_to_public(django_db_blocker):
    yield
    connection.set_schema_to_public()
    # The default cache is a table (shared between processes): what a test wrote inside its
    # transaction is rolled back already; this also removes what live servers committed.
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"].startswith("test_"):
            cache.clear()
    # The per-process cache may keep what a test saw inside its rolled-back transaction.
    from beteiligung.participation.cache import clear

    clear()


def _tenant(schema):
    from tenants.models import Tenant

    with schema_context(get_public_schema_name()):
        return Tenant.objects.get(schema_name=schema)


@pytest.fixture
def tenant_a(db):
    return _tenant("alpha")


@pytest.fixture
def tenant_b(db):
    return _tenant("beta")


@pytest.fixture
def client_a(tenant_a):
    return Client(HTTP_HOST=TENANTS["alpha"]["domain"])


@pytest.fixture
def client_b(tenant_b):
    return Client(HTTP_HOST=TENANTS["beta"]["domain"])


@pytest.fixture
def authority_a(tenant_a):
    """An authority in tenant A (with its editor group), where the modules' pages go."""
    from beteiligung.portal.authorities import create_authority

    with tenant_context(tenant_a):
        return create_authority("Stadt Leipzig", short_name="Leipzig")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the block's after-commit work (e-mail tasks) at once."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(scope="session")
def hostile_inputs():
    """The shared corpus of hostile inputs (../shared beside the checkout)."""
    path = SHARED / "corpus" / "hostile_inputs.json"
    return json.loads(path.read_text(encoding="utf-8"))


def hostile_strings(corpus):
    """Every string of the corpus, flat."""
    values = []
    for key, value in corpus.items():
        if key.startswith("_"):
            continue
        values.extend(value.values() if isinstance(value, dict) else value)
    return [value for value in values if isinstance(value, str)]
