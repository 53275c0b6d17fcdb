"""The per-process event cache behind the registration form and the participant links:
fresh after every kind of change, one small query per request, never shared between
visitors or tenants."""

import re

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tenants.utils import tenant_context
from wagtail.models import PageViewRestriction

from beteiligung.portal.authorities import create_authority
from modules.events import page_cache, services
from modules.events.models import Registration

from .conftest import add_question, data, make_event

FORM = {"name": "Anna Beispiel", "email": "anna@example.org", "privacy_consent": "on"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _url(event):
    return reverse("events:register", args=[event.pk])


def test_form_page_costs_one_query_once_cached(event, client_a):
    client_a.get(_url(event))
    with CaptureQueriesContext(connection) as queries:
        response = client_a.get(_url(event))
    assert response.status_code == 200
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    assert 'name="privacy_consent"' in response.content.decode()


def test_every_visitor_gets_own_csrf_token_that_the_post_accepts(event, tenant_a):
    from django.middleware.csrf import _unmask_cipher_token

    host = event.get_site().hostname
    first, second = Client(HTTP_HOST=host, enforce_csrf_checks=True), \
        Client(HTTP_HOST=host, enforce_csrf_checks=True)
    pages = [c.get(_url(event)).content.decode() for c in (first, second)]
    tokens = [TOKEN.findall(page) for page in pages]
    # the form and the language switch carry the token; nothing of the placeholder is left
    assert all(len(found) == 2 for found in tokens)
    assert "Hole" not in pages[0] + pages[1]
    secrets = [c.cookies[settings.CSRF_COOKIE_NAME].value for c in (first, second)]
    assert secrets[0] != secrets[1]
    for found, secret in zip(tokens, secrets, strict=True):
        assert {_unmask_cipher_token(token) for token in found} == {secret}
    response = first.post(_url(event), {**FORM, "csrfmiddlewaretoken": tokens[0][0]})
    assert response.status_code == 302
    assert second.post(_url(event), {**FORM, "email": "b@example.org",
                                     "csrfmiddlewaretoken": tokens[0][0]}).status_code == 403
    assert Registration.objects.count() == 1


def test_seats_shown_are_current(event, client_a):
    assert "3 Plätze frei" in client_a.get(_url(event)).content.decode()
    services.register(event, data("a@example.org"))
    assert "2 Plätze frei" in client_a.get(_url(event)).content.decode()
    services.register(event, data("b@example.org"))
    services.register(event, data("c@example.org"))
    assert "ausgebucht – Warteliste offen" in client_a.get(_url(event)).content.decode()


def test_published_changes_show_at_once(event, client_a):
    client_a.get(_url(event))
    event.title = "Neuer Titel der Versammlung"
    event.save_revision().publish()
    assert "Neuer Titel der Versammlung" in client_a.get(_url(event)).content.decode()
    # a state field set by a service, not by publishing
    services.cancel_event(event)
    content = client_a.get(_url(event)).content.decode()
    assert "Diese Veranstaltung wurde abgesagt." in content
    assert 'name="privacy_consent"' not in content


def test_changed_question_shows_at_once(event, client_a):
    question = add_question(event, "Ernährungswunsch")
    assert "Ernährungswunsch" in client_a.get(_url(event)).content.decode()
    question.label = "Unverträglichkeiten"
    question.save()
    content = client_a.get(_url(event)).content.decode()
    assert "Unverträglichkeiten" in content and "Ernährungswunsch" not in content


def test_view_restriction_on_an_ancestor_hides_the_form_at_once(event, client_a):
    assert client_a.get(_url(event)).status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=event.get_parent(), restriction_type=PageViewRestriction.LOGIN
    )
    assert client_a.get(_url(event)).status_code == 404
    assert client_a.post(_url(event), FORM).status_code == 404
    restriction.delete()
    assert client_a.get(_url(event)).status_code == 200


def test_english_and_german_pages_are_cached_apart(event, client_a):
    german = client_a.get(_url(event)).content.decode()
    english_client = Client(HTTP_HOST=event.get_site().hostname)
    english_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = english_client.get(_url(event)).content.decode()
    assert "Vor- und Nachname" in german and "First and last name" not in german
    assert "First and last name" in english and "Vor- und Nachname" not in english


def test_visitors_with_messages_or_errors_get_their_own_page(event, client_a):
    client_a.get(_url(event))
    response = client_a.post(_url(event), {**FORM, "email": "falsch", "name": "Zoë Ünal"})
    content = response.content.decode()
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an." in content
    assert 'value="Zoë Ünal"' in content
    # the next visitor's page keeps nothing of it
    fresh = client_a.get(_url(event)).content.decode()
    assert "Zoë" not in fresh and "gültige E-Mail-Adresse" not in fresh


def test_tenants_never_share_an_entry(event, tenant_a, tenant_b, client_a, client_b):
    with tenant_context(tenant_b):
        other = make_event(create_authority("Stadt Köln"), title="Veranstaltung in Beta")
    connection.set_tenant(tenant_a)
    assert "Bürgerversammlung Radverkehr" in client_a.get(_url(event)).content.decode()
    for pk in {event.pk, other.pk}:
        response = client_b.get(reverse("events:register", args=[pk]))
        assert "Bürgerversammlung Radverkehr" not in response.content.decode()
    assert "Veranstaltung in Beta" in client_b.get(_url(other)).content.decode()


def test_lookup_returns_own_copies(event):
    first, second = page_cache.lookup(event.pk), page_cache.lookup(event.pk)
    assert first.snapshot is second.snapshot
    first.page.title = "verändert"
    assert second.page.title == "Bürgerversammlung Radverkehr"
    assert page_cache.lookup(987654) is None
