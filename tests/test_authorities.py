"""Authorities: own part of the tree, own editor group, listed with their procedures."""

import pytest
from django_tenants.utils import tenant_context

from beteiligung.portal.authorities import AuthorityError, create_authority

from .factories import make_procedure, make_user


def test_editor_group_may_edit_only_below_its_authority(tenant_a):
    with tenant_context(tenant_a):
        ministry = create_authority("Ministerium für Umwelt", short_name="MU")
        town = create_authority("Stadt Musterstadt")
        in_ministry = make_procedure(ministry, "Luftreinhalteplan")
        in_town = make_procedure(town, "Radwegekonzept")
        editor = make_user("redaktion-mu@example.org")
        editor.groups.add(ministry.editor_group)
        assert editor.has_perm("wagtailadmin.access_admin")
        assert in_ministry.permissions_for_user(editor).can_edit()
        assert in_ministry.permissions_for_user(editor).can_publish()
        assert ministry.permissions_for_user(editor).can_add_subpage()
        assert not in_town.permissions_for_user(editor).can_edit()
        assert not town.permissions_for_user(editor).can_add_subpage()
        assert not town.get_parent().permissions_for_user(editor).can_edit()


def test_procedure_knows_its_authority(tenant_a):
    with tenant_context(tenant_a):
        ministry = create_authority("Ministerium für Bildung")
        procedure = make_procedure(ministry, "Schulgesetz")
        assert procedure.authority_id == ministry.pk


def test_moved_procedure_follows_its_new_authority(tenant_a):
    """A procedure (or a page holding procedures) moved to another authority belongs to
    that one: the listing filter and the editor groups agree with the tree."""
    from beteiligung.models import ProcedurePage

    with tenant_context(tenant_a):
        ministry = create_authority("Ministerium für Verkehr")
        town = create_authority("Stadt Beispielhausen")
        procedure = make_procedure(ministry, "Nahverkehrsplan")
        procedure.move(town, pos="last-child")
        assert ProcedurePage.objects.get(pk=procedure.pk).authority_id == town.pk
        assert list(town.procedures.values_list("pk", flat=True)) == [procedure.pk]
        assert not ministry.procedures.exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 256])
def test_bad_authority_names_are_refused(tenant_a, name):
    from beteiligung.models import AuthorityPage

    with tenant_context(tenant_a):
        before = AuthorityPage.objects.count()
        with pytest.raises(AuthorityError):
            create_authority(name)
        assert AuthorityPage.objects.count() == before


def test_hostile_authority_names_are_stored_inert(tenant_a, client_a, hostile_inputs):
    with tenant_context(tenant_a):
        page = create_authority(hostile_inputs["xss"][0] + " Behörde")
    response = client_a.get(page.url_path.removeprefix("/home"))
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content
