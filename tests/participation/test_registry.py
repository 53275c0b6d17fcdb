"""How the modules plug into the Wagtail admin (participation/registry.py): each mounts
its admin views and links them from its own pages, in the page header and the listing."""

from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from ..dialog.conftest import make_dialog
from ..events.conftest import make_event
from ..factories import add_totp, login_with_second_factor, make_user


def test_each_module_links_its_own_pages_to_its_admin_view(tenant_a, authority_a):
    with tenant_context(tenant_a):
        dialog = make_dialog(authority_a)
        event = make_event(authority_a)
    connection.set_tenant(tenant_a)
    editor = make_user("redaktion@leipzig.de")
    editor.groups.add(authority_a.editor_group)
    add_totp(editor)
    client = Client(HTTP_HOST="alpha.localhost")
    login_with_second_factor(client, editor)

    def links(page):
        return (f"/admin/dialog/{page.pk}/moderation/", f"/admin/veranstaltungen/{page.pk}/")

    moderation, not_participants = links(dialog)
    not_moderation, participants = links(event)
    dialog_header = client.get(f"/admin/pages/{dialog.pk}/edit/").content.decode()
    assert moderation in dialog_header and not_participants not in dialog_header
    event_header = client.get(f"/admin/pages/{event.pk}/edit/").content.decode()
    assert participants in event_header and not_moderation not in event_header
    listing = client.get(f"/admin/pages/{authority_a.pk}/").content.decode()
    assert moderation in listing and participants in listing
    assert client.get(moderation).status_code == 200
    assert client.get(participants).status_code == 200
