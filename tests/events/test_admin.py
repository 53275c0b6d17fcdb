"""The organizer back office in the Wagtail admin."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from beteiligung.portal.authorities import create_authority
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


def test_exports_print_a_stored_multi_line_name_on_one_line(event, editor, filled):
    """New input with line breaks is refused; a name stored before that was stays on one
    line in the exports (text injection, hardening issue item 7)."""
    from modules.events.models import Registration

    Registration.objects.filter(pk=filled["confirmed"].pk).update(
        name="Max\n\nACHTUNG: zahlen Sie hier https://evil.example/pay")
    response = editor.get(f"/admin/veranstaltungen/{event.pk}/export.csv")
    text = response.content.decode("utf-8-sig")
    assert "Max ACHTUNG: zahlen Sie hier https://evil.example/pay" in text
    assert "\nACHTUNG" not in text


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


# --- Hardening (issue 7) -----------------------------------------------------------------


def test_xlsx_export_with_characters_excel_refuses_in_sheet_names(event, editor, filled):
    """Was a 500: openpyxl refuses : / \\ ? * [ ] and more than 31 characters."""
    from modules.events.models import EventPage

    EventPage.objects.filter(pk=event.pk).update(
        title="Anhörung: Bau/Abriss \\ Wer? Alle* [Teil 2] – und noch viel mehr Text")
    response = editor.get(f"/admin/veranstaltungen/{event.pk}/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Anhörung Bau Abriss Wer Alle Te"]
    assert workbook.active.max_row == 5


class _FormFields(__import__("html.parser").parser.HTMLParser):
    """What a browser would submit from the page editor's form (#page-edit-form)."""

    def __init__(self):
        super().__init__()
        self.data, self.inside, self.textarea, self.select = [], False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == "page-edit-form"
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append([attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
            self.data.append(self.textarea)
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.append([self.select, attrs.get("value", "")])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def _edit_form(client, page):
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200, response.status_code
    parser = _FormFields()
    parser.feed(response.content.decode())
    return response, {}, parser.data


def _post_edit(client, page, changes):
    from django.utils.datastructures import MultiValueDict

    _response, _, fields = _edit_form(client, page)
    data = MultiValueDict()
    for name, value in fields:
        data.appendlist(name, value)
    for name, value in changes.items():
        data.setlist(name, [value])
    return client.post(f"/admin/pages/{page.pk}/edit/", data)


@pytest.mark.parametrize("typed", ["10.12.2026 16:00", "10.12.2026, 16:00", "2026-12-10 16:00",
                                   "10.12.2026 16:00 Uhr"])
def test_german_date_typed_in_the_event_editor_is_saved_as_typed(event, editor, typed):
    """Was replaced by the current time (the picker's validate-on-blur, ISO format only)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from modules.events.models import EventPage

    response, _, fields = _edit_form(editor, event)
    content = response.content.decode()
    assert '"validateOnBlur": false' in content and '"format": "d.m.Y H:i"' in content
    shown = dict(fields)["event_start"]
    assert len(shown) == 16 and shown[2] == "." and shown[5] == "."  # German, e.g. 24.11.2026 10:00
    response = _post_edit(editor, event, {"event_start": typed, "event_end": "10.12.2026 19:30"})
    assert response.status_code == 302, [
        (f, e) for f, e in response.context["form"].errors.items()] if response.context else None
    saved = EventPage.objects.get(pk=event.pk).get_latest_revision_as_object()
    berlin = ZoneInfo("Europe/Berlin")
    assert saved.event_start == datetime(2026, 12, 10, 16, 0, tzinfo=berlin)
    assert saved.event_end == datetime(2026, 12, 10, 19, 30, tzinfo=berlin)


def test_garbled_date_in_the_event_editor_is_refused_and_changes_nothing(event, editor):
    from modules.events.models import EventPage

    before = EventPage.objects.get(pk=event.pk).latest_revision_id
    response = _post_edit(editor, event, {"event_start": "10.13.2026 16:00"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Bitte ein gültiges Datum und Uhrzeit eingeben." in content
    assert 'value="10.13.2026 16:00"' in content  # what was typed stays on screen
    assert EventPage.objects.get(pk=event.pk).latest_revision_id == before


def test_choice_question_without_choices_is_refused_in_the_editor(event, editor):
    from modules.events.models import EventPage

    before = EventPage.objects.get(pk=event.pk).latest_revision_id
    response = _post_edit(editor, event, {
        "questions-TOTAL_FORMS": "1", "questions-0-label": "Verpflegung",
        "questions-0-kind": "single_choice", "questions-0-choices": "",
        "questions-0-required": "on", "questions-0-ORDER": "1", "questions-0-id": "",
        "questions-0-DELETE": "",
    })
    assert response.status_code == 200
    assert ("Bitte geben Sie für diese Art von Frage die Auswahlmöglichkeiten ein"
            in response.content.decode())
    assert EventPage.objects.get(pk=event.pk).latest_revision_id == before
    assert not event.questions.exists()
