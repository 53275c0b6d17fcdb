"""The listing of all procedures: filters by type, status, authority; no queries per row."""

import pytest
from django_tenants.utils import tenant_context

from beteiligung.portal.authorities import create_authority

from .conftest import hostile_strings
from .factories import home_page, make_procedure


@pytest.fixture
def procedures(tenant_a):
    with tenant_context(tenant_a):
        ministry = create_authority("Ministerium für Verkehr", short_name="MV")
        town = create_authority("Stadt Beispielhausen")
        make_procedure(ministry, "Dialog Mobilität", kind="dialog", starts=-5, ends=10)
        make_procedure(ministry, "Entwurf Straßengesetz", kind="statements", starts=-50, ends=-1)
        make_procedure(town, "Bürgerversammlung", kind="events", starts=5, ends=20)
        make_procedure(town, "Entwurf Satzung", kind="statements", starts=-2, ends=None)
        make_procedure(town, "Unveröffentlicht", kind="dialog", live=False)
    return {"ministry": ministry, "town": town}


def _titles(response):
    return sorted(p.title for p in response.context["procedures"])


def test_filters(client_a, procedures):
    assert _titles(client_a.get("/verfahren/")) == [
        "Bürgerversammlung", "Dialog Mobilität", "Entwurf Satzung", "Entwurf Straßengesetz"]
    assert _titles(client_a.get("/verfahren/?type=statements")) == [
        "Entwurf Satzung", "Entwurf Straßengesetz"]
    assert _titles(client_a.get("/verfahren/?status=open")) == ["Dialog Mobilität", "Entwurf Satzung"]
    assert _titles(client_a.get("/verfahren/?status=closed")) == ["Entwurf Straßengesetz"]
    assert _titles(client_a.get("/verfahren/?status=upcoming")) == ["Bürgerversammlung"]
    town = procedures["town"].pk
    assert _titles(client_a.get(f"/verfahren/?authority={town}")) == [
        "Bürgerversammlung", "Entwurf Satzung"]
    assert _titles(client_a.get(f"/verfahren/?authority={town}&type=statements&status=open")) == [
        "Entwurf Satzung"]
    page = client_a.get("/verfahren/").content.decode()
    assert "Ministerium für Verkehr" in page and "Stadt Beispielhausen" in page


def test_listing_of_b_does_not_show_procedures_of_a(client_b, procedures):
    assert _titles(client_b.get("/verfahren/")) == []


def test_no_queries_per_row(tenant_a, client_a, procedures, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client_a.get("/verfahren/")  # warm caches (site root paths, settings)
    with CaptureQueriesContext(connection) as few:
        client_a.get("/verfahren/")
    with tenant_context(tenant_a):
        for i in range(15):
            make_procedure(procedures["town"], f"Weiteres Verfahren {i}", kind="events")
    client_a.get("/verfahren/")  # creating pages cleared Wagtail's caches: warm them again
    with CaptureQueriesContext(connection) as many:
        response = client_a.get("/verfahren/")
    assert len(response.context["procedures"]) == 19
    assert len(many) == len(few)


def test_home_page_shows_open_procedures(client_a, procedures):
    content = client_a.get("/").content.decode()
    assert "Dialog Mobilität" in content
    assert "Bürgerversammlung" not in content  # not open yet


def test_hostile_filter_values_never_fail(client_a, procedures, hostile_inputs):
    for value in hostile_strings(hostile_inputs)[:60]:
        for key in ("type", "status", "authority", "page"):
            response = client_a.get("/verfahren/", {key: value.replace("\x00", "")})
            assert response.status_code == 200, (key, value[:40])


def test_procedures_must_sit_below_an_authority(tenant_a):
    from beteiligung.models import ProcedurePage

    with tenant_context(tenant_a):
        assert ProcedurePage.can_create_at(home_page()) is False
