"""Public pages of the events module: form, links, calendar files."""

import re

from django.test import Client
from django.urls import reverse
from django_tenants.utils import tenant_context
from icalendar import Calendar

from modules.events import services
from modules.events.models import Registration, RegistrationStatus

from ..conftest import hostile_strings
from .conftest import add_question, data, make_event

S = RegistrationStatus

FORM = {"name": "Anna Beispiel", "email": "anna@example.org", "privacy_consent": "on"}


def _event_path(event):
    return event.url_path_on_site


def test_event_page_shows_form_but_never_the_access_link(event, client_a):
    response = client_a.get(_event_path(event))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Vor- und Nachname" in content and 'name="privacy_consent"' in content
    assert event.online_access not in content
    assert "3 Plätze frei" in content


def test_register_through_form_double_opt_in(event, client_a, mailoutbox, committed):
    with committed():
        response = client_a.post(_event_path(event), FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("events:sent", args=[event.pk])
    sent = client_a.get(response["Location"]).content.decode()
    assert "Fast geschafft" in sent and "E-Mail-Postfach" in sent
    link = re.search(r"http://alpha\.localhost:8000(/veranstaltungen/anmeldung/\S+/bestaetigen/)",
                     mailoutbox[0].body).group(1)
    manage = client_a.get(link.removesuffix("bestaetigen/"))
    assert "Bestätigung ausstehend" in manage.content.decode()
    assert event.online_access not in manage.content.decode()  # not before confirmation
    assert client_a.get(link).status_code == 200  # a button, mail scanners change nothing
    assert Registration.objects.get().status == S.PENDING
    with committed():
        response = client_a.post(link)
    page = client_a.get(response["Location"]).content.decode()
    assert "bestätigt" in page and event.online_access in page
    registration = Registration.objects.get()
    assert registration.status == S.CONFIRMED and registration.ticket_code in page
    ticket = client_a.get(reverse("events:ticket", args=[services.signed_token(registration)]))
    assert ticket["Content-Type"] == "image/png"


def test_validation_errors_keep_what_was_typed(event, client_a):
    question = add_question(event, "Ihre Frage an das Podium", kind="long_text", required=True)
    typed = {**FORM, "email": "kein-at-zeichen", question.key: "Warum so spät?"}
    response = client_a.post(_event_path(event), typed)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an." in content
    assert 'value="Anna Beispiel"' in content and 'value="kein-at-zeichen"' in content
    assert "Warum so spät?" in content
    assert 'role="alert"' in content
    assert not Registration.objects.exists()


def test_duplicate_and_full_messages(event, client_a):
    client_a.post(_event_path(event), FORM)
    response = client_a.post(_event_path(event), {**FORM, "email": "ANNA@example.org"})
    assert response.status_code == 302  # answered like a new registration (see below)
    assert "bereits angemeldet" not in client_a.get(response["Location"]).content.decode()
    event.waitlist_enabled = False
    event.save()
    for i in range(2):
        client_a.post(_event_path(event), {**FORM, "email": f"p{i}@example.org"})
    response = client_a.post(_event_path(event), {**FORM, "email": "late@example.org"})
    assert response.status_code == 200
    assert "ausgebucht" in response.content.decode()
    assert Registration.objects.count() == 3


def test_hostile_inputs_never_fail_and_stay_inert(event, client_a, hostile_inputs):
    event.capacity = None
    event.save()
    question = add_question(event, "Anmerkung", kind="long_text")
    for i, value in enumerate(hostile_strings(hostile_inputs)):
        for field in ("name", "email", question.key):
            payload = {**FORM, "email": f"h{i}-{field}@example.org", field: value}
            response = Client(HTTP_HOST="alpha.localhost").post(_event_path(event), payload)
            assert response.status_code in (200, 302), (field, value[:30])
            if response.status_code == 302:
                page = Client(HTTP_HOST="alpha.localhost").get(response["Location"]).content
                assert b"<script>alert(1)</script>" not in page
                assert b"onerror=alert(1)>" not in page


def test_hostile_single_line_and_overlong_inputs_get_a_german_message(event, hostile_inputs):
    """The form's error cases of issue 7: a clear German message, the input kept, no 500."""
    cases = [("email", "x" * 250 + "@example.org", "zu lang (höchstens 254 Zeichen)"),
             ("name", hostile_inputs["unicode"][6], "in einer Zeile"),  # line1\r\nline2...
             ("name", INJECTED, "in einer Zeile"),
             ("name", "Anna\x0bBeispiel", "in einer Zeile")]
    for field, value, message in cases:
        response = Client(HTTP_HOST="alpha.localhost").post(_event_path(event),
                                                            {**FORM, field: value})
        assert response.status_code == 200, field
        content = response.content.decode()
        assert message in content
        assert response.context["form"][field].value() == value
    assert not Registration.objects.exists()


def test_tampered_and_foreign_links_are_refused(event, tenant_a, client_a, client_b):
    from django.db import connection

    registration = services.register(event, data())
    signed = services.signed_token(registration)
    assert client_a.get(reverse("events:manage", args=[signed])).status_code == 200
    tampered = signed[:-3] + ("aaa" if not signed.endswith("aaa") else "bbb")
    response = client_a.get(reverse("events:manage", args=[tampered]))
    assert response.status_code == 404
    assert "Dieser Link ist ungültig" in response.content.decode()
    assert client_a.post(reverse("events:cancel", args=[tampered])).status_code == 404
    # The same link at another tenant's host is invalid there.
    response = client_b.get(reverse("events:manage", args=[signed]))
    assert response.status_code == 404
    connection.set_tenant(tenant_a)
    registration.refresh_from_db()
    assert registration.status == S.PENDING


def test_cancel_and_delete_through_links(event, client_a, mailoutbox, committed):
    registration = services.register(event, data())
    signed = services.signed_token(registration)
    with committed():
        client_a.post(reverse("events:cancel", args=[signed]))
    registration.refresh_from_db()
    assert registration.status == S.CANCELLED
    assert "storniert" in mailoutbox[-1].subject
    assert "METHOD:CANCEL" in str(mailoutbox[-1].attachments[0][1])
    response = client_a.post(reverse("events:delete", args=[signed]))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.email == "" and registration.anonymized_at


def test_closed_registration_shows_message_not_form(event, client_a):
    from datetime import timedelta

    from django.utils import timezone

    event.ends_at = timezone.now() - timedelta(hours=1)
    event.save()
    content = client_a.get(_event_path(event)).content.decode()
    assert "Die Anmeldung für diese Veranstaltung ist beendet." in content
    assert 'name="privacy_consent"' not in content
    response = client_a.post(_event_path(event), FORM)
    assert "beendet" in response.content.decode()
    assert not Registration.objects.exists()


def test_event_page_query_count_does_not_grow_with_registrations(
    event, client_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client_a.get(_event_path(event))
    with CaptureQueriesContext(connection) as few:
        client_a.get(_event_path(event))
    event.capacity = 100
    event.save()
    client_a.get(_event_path(event))
    with CaptureQueriesContext(connection) as few:
        client_a.get(_event_path(event))
    for i in range(30):
        services.register(event, data(f"p{i}@example.org"))
    with CaptureQueriesContext(connection) as many:
        client_a.get(_event_path(event))
    assert len(many) == len(few)


def test_event_ics(event, client_a):
    response = client_a.get(_event_path(event) + "kalender/")
    assert response.status_code == 200, (response.status_code, _event_path(event))
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    vevent = cal.walk("VEVENT")[0]
    assert str(vevent["UID"]) == f"event-{event.pk}@alpha.localhost"
    assert int(vevent["SEQUENCE"]) == 0
    assert str(vevent["URL"]) == "http://alpha.localhost:8000" + _event_path(event)
    assert "ORGANIZER" not in vevent
    assert str(vevent["DTSTART"].dt.tzinfo) == "Europe/Berlin"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert event.online_access not in response.content.decode()
    services.event_changed(event)
    again = Calendar.from_ical(client_a.get(_event_path(event) + "kalender/").content)
    assert int(again.walk("VEVENT")[0]["SEQUENCE"]) == 1
    assert str(again.walk("VEVENT")[0]["UID"]) == str(vevent["UID"])


def test_feed_lists_public_upcoming_events_of_own_tenant_only(
    event, authority_a, tenant_b, client_a, client_b
):
    from datetime import timedelta

    from django.utils import timezone

    from beteiligung.portal.authorities import create_authority

    now = timezone.now()
    make_event(authority_a, title="Vergangen", event_start=now - timedelta(days=3),
               event_end=now - timedelta(days=2), starts_at=None, ends_at=None)
    draft = make_event(authority_a, title="Entwurf")
    draft.unpublish()
    cancelled = make_event(authority_a, title="Abgesagt")
    services.cancel_event(cancelled)
    with tenant_context(tenant_b):
        make_event(create_authority("Stadt Köln"), title="Veranstaltung in Beta")
    titles = [str(e["SUMMARY"]) for e in
              Calendar.from_ical(client_a.get("/veranstaltungen/kalender.ics").content).walk("VEVENT")]
    assert titles == ["Bürgerversammlung Radverkehr"]
    titles_b = [str(e["SUMMARY"]) for e in
                Calendar.from_ical(client_b.get("/veranstaltungen/kalender.ics").content).walk("VEVENT")]
    assert titles_b == ["Veranstaltung in Beta"]


def test_event_listed_in_procedure_listing(event, client_a):
    response = client_a.get("/verfahren/?type=events")
    assert [p.title for p in response.context["procedures"]] == ["Bürgerversammlung Radverkehr"]


def test_lean_registration_page(event, client_a, django_assert_max_num_queries):
    url = reverse("events:register", args=[event.pk])
    client_a.get(url)
    with django_assert_max_num_queries(10):
        response = client_a.get(url)
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    response = client_a.post(url, {**FORM, "email": "falsch"})
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an." in response.content.decode()
    assert 'value="Anna Beispiel"' in response.content.decode()
    assert client_a.post(url, FORM).status_code == 302
    assert Registration.objects.get().email == "anna@example.org"
    event.unpublish()
    assert client_a.get(url).status_code == 404
    assert client_a.get(reverse("events:register", args=[987654])).status_code == 404


def test_lean_page_sees_new_questions_at_once(event, client_a):
    url = reverse("events:register", args=[event.pk])
    client_a.get(url)  # fills the cache
    question = add_question(event, "Neue Pflichtfrage", required=True)
    content = client_a.get(url).content.decode()
    assert "Neue Pflichtfrage" in content
    response = client_a.post(url, FORM)
    assert response.status_code == 200 and question.key in response.content.decode()
    assert not Registration.objects.exists()


# --- Hardening (issue 7) -----------------------------------------------------------------


def test_overlong_email_is_a_field_error_and_keeps_the_input(event, client_a):
    """Was a 500 (the column holds 254 characters) with everything typed lost."""
    long_email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".de"
    assert len(long_email) > 254
    for url in (_event_path(event), reverse("events:register", args=[event.pk])):
        response = client_a.post(url, {**FORM, "email": long_email})
        assert response.status_code == 200
        content = response.content.decode()
        assert "Diese E-Mail-Adresse ist zu lang (höchstens 254 Zeichen)." in content
        assert f'value="{long_email}"' in content and 'value="Anna Beispiel"' in content
    assert not Registration.objects.exists()


INJECTED = "Max\n\nACHTUNG: Ihr Platz verfällt. Zahlen Sie 20 € unter https://evil.example/pay"


def test_line_breaks_in_single_line_fields_are_refused_with_the_input_kept(event, client_a):
    question = add_question(event, "Institution", kind="short_text")
    for field in ("name", question.key):
        response = client_a.post(_event_path(event), {**FORM, field: INJECTED})
        assert response.status_code == 200
        content = response.content.decode()
        assert "Bitte geben Sie dies in einer Zeile ein" in content
        assert "https://evil.example/pay" in content  # what was typed stays on screen
    for control in ("Anna\x00Beispiel", "Anna\u2028Beispiel", "Anna\tBeispiel", "\u202eAnna"):
        response = client_a.post(_event_path(event), {**FORM, "name": control})
        assert "Bitte geben Sie dies in einer Zeile ein" in response.content.decode()
    assert not Registration.objects.exists()


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_duplicate_answers_exactly_like_a_new_registration_and_tells_the_owner(
    event, client_a, mailoutbox, committed
):
    """Anyone could ask whether an address is registered ("bereits angemeldet")."""
    first, second = Client(HTTP_HOST="alpha.localhost"), Client(HTTP_HOST="alpha.localhost")
    with committed():
        new = first.post(_event_path(event), FORM)
    owner = Registration.objects.get()
    mailoutbox.clear()
    with committed():
        again = second.post(
            _event_path(event), {**FORM, "name": "Jemand Anderes", "email": "ANNA@example.org"})
    assert (again.status_code, again["Location"]) == (new.status_code, new["Location"])
    assert _messages(again) == _messages(new)
    assert "Fast geschafft" in _messages(again)[0]

    def page(client, url):
        html = client.get(url).content.decode()
        return re.sub(r'(csrfmiddlewaretoken" value=|nonce=)"[^"]+"', r"\1", html)

    page_new, page_again = page(first, new["Location"]), page(second, again["Location"])
    assert "Fast geschafft" in page_new
    assert page_new == page_again
    assert Registration.objects.count() == 1  # nothing new stored
    owner.refresh_from_db()
    assert owner.name == "Anna Beispiel"
    assert [m.to for m in mailoutbox] == [["anna@example.org"]]
    notice = mailoutbox[0]
    assert "Erneuter Anmeldeversuch" in notice.subject
    assert services.signed_token(owner) in notice.body  # the owner's status link
    assert "Jemand Anderes" not in notice.body


def test_duplicate_on_a_full_event_gets_the_waiting_list_answer_like_anyone(event, client_a):
    for i in range(3):
        services.register(event, data(f"p{i}@example.org"))
    new = Client(HTTP_HOST="alpha.localhost").post(_event_path(event),
                                                   {**FORM, "email": "neu@example.org"})
    again = Client(HTTP_HOST="alpha.localhost").post(_event_path(event),
                                                     {**FORM, "email": "p0@example.org"})
    assert _messages(again) == _messages(new) and "Warteliste" in _messages(new)[0]
    assert again["Location"] == new["Location"]
    event.waitlist_enabled = False
    event.save()
    new = Client(HTTP_HOST="alpha.localhost").post(_event_path(event),
                                                   {**FORM, "email": "neu2@example.org"})
    again = Client(HTTP_HOST="alpha.localhost").post(_event_path(event),
                                                     {**FORM, "email": "p1@example.org"})
    assert new.status_code == again.status_code == 200
    assert "ausgebucht" in new.content.decode() and "ausgebucht" in again.content.decode()
    assert "bereits angemeldet" not in again.content.decode()


def test_logged_in_user_is_told_directly_about_their_own_registration(event, mailoutbox):
    from ..factories import make_user

    user = make_user("eigen@example.org")  # with a verified address
    client = Client(HTTP_HOST="alpha.localhost")
    client.force_login(user)
    first = client.post(_event_path(event), {**FORM, "email": "eigen@example.org"})
    assert first.status_code == 302 and "/anmeldung/" in first["Location"]
    again = client.post(_event_path(event), {**FORM, "email": "eigen@example.org"})
    assert again.status_code == 200
    assert "bereits angemeldet" in again.content.decode()
    assert Registration.objects.count() == 1
