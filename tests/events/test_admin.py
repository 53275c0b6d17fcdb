"""The organizer back office in the Wagtail admin."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from beteiligung.authorities import create_authority
from modules.events import services
from modules.events.models import Registration, RegistrationStatus

from ..factories import add_totp, login_with_second_factor, make_user
from .conftest import add_question, data, make_event

S = RegistrationStatus


def _editor_client(email, group=None, superuser=False):
    user = make_user(email, is_superuser=superuser, is_staff=superuser)
    if group:
        user.groups.add(group)
    add_totp(user)
    client = Client(HTTP_HOST="alpha.localhost")
    login_with_second_factor(client, user)
    return client


@pytest.fixture
def editor(event, authority_a):
    return _editor_client("redaktion@leipzig.de", group=authority_a.editor_group)


@pytest.fixture
def filled(event):
    question = add_question(event, "Verpflegung", kind="single_choice",
                            choices="vegetarisch\nvegan")
    a = services.register(event, data("a@example.org", name="=HYPERLINK(\"x\")",
                                      answers={question.key: "vegan"}))
    services.confirm_email(a)
    services.register(event, data("b@example.org", name="Bernd Brot"))
    services.register(event, data("c@example.org", name="Clara Chor"))
    waiting = services.register(event, data("w@example.org", name="Wilma Warte"))
    return {"confirmed": a, "waiting": waiting, "question": question}


def test_participant_list_counts_search_filter(event, editor, filled):
    url = f"/admin/veranstaltungen/{event.pk}/"
    content = editor.get(url).content.decode()
    assert "Bernd Brot" in content and "Wilma Warte" in content
    response = editor.get(url, {"status": "waitlisted"})
    assert [r.email for r in response.context["registrations"]] == ["w@example.org"]
    assert response.context["counts"]["confirmed"] == 1
    assert response.context["counts"]["pending"] == 2
    assert response.context["counts"]["free"] == 0
    assert response.context["fill_percent"] == 100
    response = editor.get(url, {"q": "clara"})
    assert [r.email for r in response.context["registrations"]] == ["c@example.org"]
    assert response.context["timeline"][0][1] == 4


def test_other_authoritys_editor_is_refused(event, filled):
    other = create_authority("Landkreis Nordsachsen")
    stranger = _editor_client("fremd@example.org", group=other.editor_group)
    # Wagtail answers a permission error with a redirect to the dashboard and a message.
    for url in (f"/admin/veranstaltungen/{event.pk}/", f"/admin/veranstaltungen/{event.pk}/export.csv"):
        response = stranger.get(url)
        assert (response.status_code, response.get("Location")) in ((302, "/admin/"), (403, None))
        assert b"Bernd Brot" not in response.content
    response = stranger.post(f"/admin/veranstaltungen/{event.pk}/einlass/",
                             {"code": filled["confirmed"].ticket_code})
    assert response.status_code in (302, 403)
    filled["confirmed"].refresh_from_db()
    assert filled["confirmed"].status == S.CONFIRMED


def test_citizen_cannot_reach_back_office(event, filled):
    citizen = Client(HTTP_HOST="alpha.localhost")
    citizen.force_login(make_user("buerger@example.org"))
    response = citizen.get(f"/admin/veranstaltungen/{event.pk}/")
    assert response.status_code in (302, 403)
    assert b"Bernd Brot" not in response.content


def test_exports_contain_exactly_this_events_registrations(event, authority_a, editor, filled):
    other_event = make_event(authority_a, title="Andere")
    services.register(other_event, data("other@example.org", name="Otto Anders"))
    response = editor.get(f"/admin/veranstaltungen/{event.pk}/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-1] == "Verpflegung"
    assert sorted(r[1] for r in rows[1:]) == ["a@example.org", "b@example.org", "c@example.org",
                                              "w@example.org"]
    by_email = {r[1]: r for r in rows[1:]}
    assert by_email["a@example.org"][0].startswith("'=")  # no formula injection
    assert by_email["a@example.org"][-1] == "vegan"
    response = editor.get(f"/admin/veranstaltungen/{event.pk}/export.xlsx", {"status": "pending"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    emails = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert emails == ["b@example.org", "c@example.org"]


def test_check_in_desk(event, editor, filled):
    url = f"/admin/veranstaltungen/{event.pk}/einlass/"
    code = filled["confirmed"].ticket_code
    first = editor.post(url, {"code": code})
    assert first.context["result"].ok and "Eingecheckt" in first.content.decode()
    second = editor.post(url, {"code": code})
    assert second.context["result"].code == "already"
    assert "Bereits eingecheckt" in second.content.decode()
    assert editor.get(url + "stand.json").json() == {"attended": 1, "confirmed": 0}
    assert editor.post(url, {"code": "'; DROP TABLE x; --"}).context["result"].code == "unknown"


def test_message_and_manual_actions(event, authority_a, editor, filled, mailoutbox, committed):
    with committed():
        response = editor.post(f"/admin/veranstaltungen/{event.pk}/nachricht/", {
            "recipients": ["confirmed", "waitlisted"], "subject": "Hinweis", "body": "Bitte pünktlich.",
        })
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox if m.subject == "Hinweis") == [
        "a@example.org", "w@example.org"]
    response = editor.post(f"/admin/veranstaltungen/{event.pk}/nachricht/",
                           {"subject": "", "body": "Text bleibt erhalten"})
    assert "Text bleibt erhalten" in response.content.decode()

    waiting = filled["waiting"]
    editor.post(f"/admin/veranstaltungen/anmeldung/{waiting.pk}/promote/")
    waiting.refresh_from_db()
    assert waiting.status == S.WAITLISTED  # no seat free, not forced
    editor.post(f"/admin/veranstaltungen/anmeldung/{waiting.pk}/promote/", {"force": "1"})
    waiting.refresh_from_db()
    assert waiting.status == S.CONFIRMED
    target = make_event(authority_a, title="Zweiter Termin")
    pending = Registration.objects.get(email="b@example.org")
    for bad in ("", "abc", "999999"):
        response = editor.post(f"/admin/veranstaltungen/anmeldung/{pending.pk}/move/",
                               {"target": bad})
        assert response.status_code in (302, 404)
    editor.post(f"/admin/veranstaltungen/anmeldung/{pending.pk}/move/", {"target": target.pk})
    assert Registration.objects.get(event=target, email="b@example.org").status == S.CONFIRMED
    editor.post(f"/admin/veranstaltungen/anmeldung/{filled['confirmed'].pk}/cancel/")
    filled["confirmed"].refresh_from_db()
    assert filled["confirmed"].status == S.CANCELLED


def test_participant_list_query_count_does_not_grow(event, editor, filled):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/admin/veranstaltungen/{event.pk}/"
    editor.get(url)
    with CaptureQueriesContext(connection) as few:
        editor.get(url)
    event.capacity = None
    event.save()
    for i in range(25):
        services.register(event, data(f"x{i}@example.org"))
    editor.get(url)
    with CaptureQueriesContext(connection) as many:
        editor.get(url)
    assert len(many) <= len(few) + 1  # +1: the fill level is not computed without capacity


def test_publishing_a_changed_date_sends_calendar_updates(event, filled, mailoutbox, committed):
    from datetime import timedelta

    event.save_revision().publish()  # first publication through Wagtail: no change yet
    assert not [m for m in mailoutbox if m.subject.startswith("Geändert")]
    event.event_start += timedelta(hours=1)
    event.event_end += timedelta(hours=1)
    with committed():
        event.save_revision().publish()
    updates = [m for m in mailoutbox if m.subject.startswith("Geändert")]
    assert sorted(m.to[0] for m in updates) == ["a@example.org", "b@example.org", "c@example.org"]
    event.refresh_from_db()
    assert event.sequence == 1
    with committed():
        event.teaser = "Nur der Anrisstext ist neu."
        event.save_revision().publish()
    assert len([m for m in mailoutbox if m.subject.startswith("Geändert")]) == 3
    event.refresh_from_db()
    assert event.sequence == 1  # a later revision does not turn the counter back


def test_cancel_event_from_back_office(event, editor, filled, mailoutbox, committed):
    url = f"/admin/veranstaltungen/{event.pk}/absagen/"
    editor.post(url)  # not confirmed: nothing happens
    event.refresh_from_db()
    assert not event.is_cancelled
    with committed():
        editor.post(url, {"confirm": "1"})
    event.refresh_from_db()
    assert event.is_cancelled
    cancellations = [m for m in mailoutbox if m.subject.startswith("Abgesagt")]
    assert len(cancellations) == 4
    assert "METHOD:CANCEL" in str(cancellations[0].attachments[0][1])
    # Editing and publishing afterwards does not revive the event.
    page = event.get_latest_revision_as_object()
    page.teaser = "Nachtrag"
    page.save_revision().publish()
    event.refresh_from_db()
    assert event.is_cancelled and event.sequence == 1
