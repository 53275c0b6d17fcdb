"""Tenant B cannot see, change or check in anything of tenant A's events."""

from django.db import connection
from django.urls import reverse
from django_tenants.utils import tenant_context

from beteiligung.portal.authorities import create_authority
from modules.events import services
from modules.events.models import Registration

from ..factories import add_totp, login_with_second_factor, make_user
from .conftest import data, make_event


def test_tenant_b_sees_nothing_of_tenant_a(event, tenant_a, tenant_b, client_b):
    registration = services.register(event, data("geheim@example.org", name="Gisela Geheim"))
    services.confirm_email(registration)
    signed = services.signed_token(registration)
    event_path = event.url_path_on_site
    with tenant_context(tenant_b):
        b_event = make_event(create_authority("Stadt Köln"), title="Kölner Forum")
        admin = make_user("chefin@beta.de", is_superuser=True, is_staff=True)
        add_totp(admin)
        login_with_second_factor(client_b, admin)  # the session lives in B's schema

    assert client_b.get(event_path).status_code == 404
    assert client_b.get(reverse("events:manage", args=[signed])).status_code == 404
    assert client_b.get(reverse("events:ticket", args=[signed])).status_code == 404
    feed = client_b.get("/veranstaltungen/kalender.ics").content.decode()
    assert "Bürgerversammlung" not in feed and "Kölner Forum" in feed
    # B's superuser: A's event id means nothing in B's schema.
    response = client_b.get(f"/admin/veranstaltungen/{event.pk}/export.csv")
    assert b"geheim@example.org" not in response.content
    export = client_b.get(f"/admin/veranstaltungen/{b_event.pk}/export.csv").content.decode()
    assert "geheim@example.org" not in export
    # A's ticket code at B's check-in desk is unknown there and stays unused in A.
    result = client_b.post(f"/admin/veranstaltungen/{b_event.pk}/einlass/",
                           {"code": registration.ticket_code}).context["result"]
    assert result.code == "unknown"
    connection.set_tenant(tenant_a)
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    assert Registration.objects.filter(email="geheim@example.org").count() == 1
    with tenant_context(tenant_b):
        assert not Registration.objects.filter(email="geheim@example.org").exists()


def test_confirmation_mail_links_use_the_tenants_domain(event, mailoutbox, committed):
    with committed():
        services.register(event, data())
    body = mailoutbox[0].body
    assert "http://alpha.localhost:8000/veranstaltungen/anmeldung/" in body
    assert "beta.localhost" not in body


def test_same_email_may_register_in_both_tenants(event, tenant_b):
    services.register(event, data("beide@example.org"))
    with tenant_context(tenant_b):
        other = make_event(create_authority("Stadt Bonn"), title="Bonner Runde")
        assert services.register(other, data("beide@example.org")).status == "pending"
