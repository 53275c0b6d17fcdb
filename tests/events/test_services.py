"""modules/events/services/: registration, waiting list, holds, check-in, retention."""

from datetime import timedelta

import pytest
from django.utils import timezone

from beteiligung.participation import text as text_rules
from beteiligung.participation.retention import RetentionRun
from modules.events import services
from modules.events.models import Registration, RegistrationStatus

from .conftest import add_question, data, make_event

S = RegistrationStatus


def test_registration_holds_a_seat_until_confirmed(event, mailoutbox, committed):
    with committed():
        registration = services.register(event, data())
    assert registration.status == S.PENDING
    assert registration.hold_expires_at > timezone.now() + timedelta(minutes=29)
    assert len(mailoutbox) == 1
    assert "bestätigen" in mailoutbox[0].body
    assert "/veranstaltungen/anmeldung/" in mailoutbox[0].body
    assert event.online_access not in mailoutbox[0].body  # only after confirmation
    with committed():
        services.confirm_email(registration)
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED
    confirmation = mailoutbox[-1]
    assert registration.ticket_code in confirmation.body
    assert event.online_access in confirmation.body
    names = [a[0] for a in confirmation.attachments]
    assert names == ["veranstaltung.ics", "ticket.png"]
    assert confirmation.attachments[1][1][:8] == b"\x89PNG\r\n\x1a\n"


def test_full_event_puts_people_on_the_waiting_list(event):
    for i in range(3):
        assert services.register(event, data(f"p{i}@example.org")).status == S.PENDING
    assert services.register(event, data("w1@example.org")).status == S.WAITLISTED
    assert services.counts(event)["free"] == 0


def test_full_event_without_waiting_list_is_refused(event):
    event.waitlist_enabled = False
    event.save()
    for i in range(3):
        services.register(event, data(f"p{i}@example.org"))
    with pytest.raises(services.FullyBooked, match="ausgebucht"):
        services.register(event, data("late@example.org"))
    assert Registration.objects.filter(event=event).count() == 3


@pytest.mark.parametrize("email", ["anna@example.org", "ANNA@Example.org", " anna@example.org "])
def test_same_email_twice_takes_no_second_seat(event, email):
    services.register(event, data("anna@example.org"))
    with pytest.raises(services.DuplicateRegistration, match="bereits angemeldet"):
        services.register(event, data(email))
    assert Registration.objects.filter(event=event).count() == 1


def test_after_cancelling_one_may_register_again(event):
    first = services.register(event, data())
    services.cancel(first)
    assert services.register(event, data()).status == S.PENDING


def test_closed_and_not_yet_open_registration(event):
    now = timezone.now()
    event.ends_at = now - timedelta(minutes=1)
    event.save()
    with pytest.raises(services.RegistrationClosed, match="beendet|geschlossen"):
        services.register(event, data())
    event.ends_at, event.starts_at = now + timedelta(days=1), now + timedelta(hours=2)
    event.save()
    with pytest.raises(services.RegistrationClosed, match="beginnt am"):
        services.register(event, data())
    assert not Registration.objects.exists()


def test_cancelled_event_takes_no_registrations(event):
    services.cancel_event(event)
    with pytest.raises(services.RegistrationClosed, match="abgesagt"):
        services.register(event, data())


def test_invalid_emails_are_refused(event, hostile_inputs):
    for email in hostile_inputs["emails_invalid"]:
        with pytest.raises(services.InvalidRegistration) as error:
            services.register(event, data(email))
        assert "email" in error.value.errors
    assert not Registration.objects.exists()


def test_awkward_valid_emails_are_accepted(event):
    event.capacity = None
    event.save()
    for email in ["o'brien@example.org", "jürgen@müller.de", "a+tag@example.org",
                  "UPPER@EXAMPLE.ORG"]:
        services.register(event, data(email))
    assert Registration.objects.count() == 4


def test_required_answers_and_consent(event):
    add_question(event, "Benötigen Sie Unterstützung?", kind="long_text", required=True)
    q2 = add_question(event, "Verpflegung", kind="single_choice", required=True,
                      choices="vegetarisch\nvegan\nalles")
    with pytest.raises(services.InvalidRegistration) as error:
        services.register(event, data(answers={q2.key: "Fisch"}))
    assert set(error.value.errors) == {f"q{q2.pk - 1}", q2.key}
    without_consent = data()
    without_consent.privacy_consent = False
    with pytest.raises(services.InvalidRegistration) as error:
        services.register(event, without_consent)
    assert "privacy_consent" in error.value.errors
    assert not Registration.objects.exists()
    ok = services.register(event, data(answers={f"q{q2.pk - 1}": "Rollstuhlplatz",
                                                q2.key: "vegan"}))
    assert ok.answers[q2.key]["value"] == "vegan"


def test_hostile_text_is_stored_inert_and_trimmed(event, hostile_inputs):
    event.capacity = None
    event.save()
    question = add_question(event, "Anmerkung", kind="long_text")
    for i, text in enumerate(hostile_inputs["xss"] + hostile_inputs["unicode"]):
        if text_rules.has_line_break_or_control(text):
            # A name is one line: line breaks and control characters are refused, not mailed.
            with pytest.raises(services.InvalidRegistration) as refused:
                services.register(event, data(f"n{i}@example.org", name=text))
            assert "in einer Zeile" in refused.value.errors["name"]
        registration = services.register(
            event, data(f"h{i}@example.org", name=text_rules.one_line(text) or "x",
                        answers={question.key: text})
        )
        stored = registration.answers[question.key]["value"]
        assert "\x00" not in stored and "\u202e" not in stored
    long_name = data("long@example.org", name=hostile_inputs["long"]["one_word_10k"])
    with pytest.raises(services.InvalidRegistration):
        services.register(event, long_name)


def test_expired_holds_free_their_seats_and_promote(event, mailoutbox, committed):
    now = timezone.now()
    held = [services.register(event, data(f"p{i}@example.org"), now=now) for i in range(3)]
    waiting = services.register(event, data("w@example.org"), now=now)
    services.confirm_email(waiting, now=now)  # confirmed address, still waiting
    services.confirm_email(held[0], now=now)
    later = now + timedelta(minutes=31)
    with committed():
        assert services.expire_holds(now=later) == 2
    states = {r.email: r.status for r in Registration.objects.all()}
    assert states == {"p0@example.org": S.CONFIRMED, "p1@example.org": S.CANCELLED,
                      "p2@example.org": S.CANCELLED, "w@example.org": S.CONFIRMED}
    assert services.counts(event)["free"] == 1
    subjects = [m.subject for m in mailoutbox]
    assert any("Warteliste" in s or "nachgerückt" in s.lower() for s in subjects), subjects


def test_confirming_after_expiry_is_refused(event):
    now = timezone.now()
    registration = services.register(event, data(), now=now)
    with pytest.raises(services.HoldExpired, match="abgelaufen"):
        services.confirm_email(registration, now=now + timedelta(minutes=31))
    registration.refresh_from_db()
    assert registration.status == S.CANCELLED


def test_cancellation_promotes_next_on_waiting_list_exactly_once(event, mailoutbox, committed):
    seats = [services.register(event, data(f"p{i}@example.org")) for i in range(3)]
    w1 = services.register(event, data("w1@example.org"))
    w2 = services.register(event, data("w2@example.org"))
    services.confirm_email(w1)
    with committed():
        _reg, promoted = services.cancel(seats[0])
    assert [r.pk for r in promoted] == [w1.pk]
    w1.refresh_from_db()
    w2.refresh_from_db()
    assert (w1.status, w2.status) == (S.CONFIRMED, S.WAITLISTED)
    # Cancelling the same registration again changes nothing and promotes nobody.
    _reg, promoted = services.cancel(seats[0])
    assert promoted == []
    w2.refresh_from_db()
    assert w2.status == S.WAITLISTED
    assert sum("nachgerückt" in m.body for m in mailoutbox) == 1


def test_unconfirmed_waiting_person_gets_a_new_hold_when_promoted(event):
    seats = [services.register(event, data(f"p{i}@example.org")) for i in range(3)]
    waiting = services.register(event, data("w@example.org"))
    services.cancel(seats[1])
    waiting.refresh_from_db()
    assert waiting.status == S.PENDING and waiting.hold_expires_at is not None


def test_programme_item_capacity(event):
    from modules.events.models import ProgrammeItem

    workshop = ProgrammeItem.objects.create(event=event, title="Workshop A", capacity=1)
    services.register(event, data("a@example.org", item_ids=[str(workshop.pk)]))
    with pytest.raises(services.FullyBooked) as error:
        services.register(event, data("b@example.org", item_ids=[str(workshop.pk)]))
    assert "Workshop A" in error.value.errors["items"]
    with pytest.raises(services.InvalidRegistration):
        services.register(event, data("c@example.org", item_ids=["999999"]))
    with pytest.raises(services.InvalidRegistration):
        services.register(event, data("c@example.org", item_ids=["1; DROP TABLE"]))


def test_check_in(event, authority_a):
    confirmed = services.register(event, data("a@example.org"))
    services.confirm_email(confirmed)
    pending = services.register(event, data("b@example.org"))
    other_event = make_event(authority_a, title="Andere Veranstaltung")
    other = services.register(other_event, data("c@example.org"))
    services.confirm_email(other)

    result = services.check_in(event, confirmed.ticket_code.lower()[:5] + " " +
                               confirmed.ticket_code[5:])
    assert result.ok and result.code == "ok"
    again = services.check_in(event, confirmed.ticket_code)
    assert not again.ok and again.code == "already" and "Bereits eingecheckt" in again.message
    assert services.counts(event)["attended"] == 1
    assert services.check_in(event, pending.ticket_code).code == S.PENDING
    wrong = services.check_in(event, other.ticket_code)
    assert wrong.code == "other_event" and "Andere Veranstaltung" in wrong.message
    assert services.check_in(event, "NICHTDA123").code == "unknown"
    assert services.check_in(event, "").code == "empty"
    other.refresh_from_db()
    assert other.status == S.CONFIRMED


def test_manual_promote_and_move(event, authority_a):
    seats = [services.register(event, data(f"p{i}@example.org")) for i in range(3)]
    waiting = services.register(event, data("w@example.org"))
    with pytest.raises(services.FullyBooked):
        services.promote(waiting)
    services.promote(waiting, force=True)
    waiting.refresh_from_db()
    assert waiting.status == S.CONFIRMED
    target = make_event(authority_a, title="Zweiter Termin", capacity=1)
    moved = services.move(seats[0], target)
    assert moved.event_id == target.pk and moved.status == S.CONFIRMED
    seats[0].refresh_from_db()
    assert seats[0].status == S.CANCELLED and seats[0].cancel_reason == "moved"
    with pytest.raises(services.FullyBooked):
        services.move(seats[1], target)


def test_retention_anonymizes_past_events_only(event, authority_a):
    now = timezone.now()
    past = make_event(authority_a, title="Vergangene Veranstaltung",
                      event_start=now - timedelta(days=100), event_end=now - timedelta(days=99),
                      starts_at=now - timedelta(days=120), ends_at=now - timedelta(days=101))
    recent = make_event(authority_a, title="Gerade vorbei",
                        event_start=now - timedelta(days=10), event_end=now - timedelta(days=9),
                        starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=11))
    for page in (past, recent):
        for i in range(2):
            Registration.objects.create(event=page, name=f"Person {i}", email=f"p{i}@example.org",
                                        email_key=f"p{i}@example.org", status=S.ATTENDED)
    future = services.register(event, data("future@example.org"))
    runs = services.apply_retention(now=now)
    assert [run.procedure_id for run in runs] == [past.pk]
    assert runs[0].anonymized == 2 and runs[0].counts["attended"] == 2
    assert not Registration.objects.filter(event=past).exclude(name="").exists()
    assert not Registration.objects.filter(event=past).exclude(email="").exists()
    assert Registration.objects.filter(event=past, status=S.ATTENDED).count() == 2  # counts stay
    assert Registration.objects.filter(event=recent, name="Person 0").exists()
    assert Registration.objects.get(pk=future.pk).email == "future@example.org"
    assert services.apply_retention(now=now) == []  # logged once, not repeated
    assert RetentionRun.objects.filter(procedure=past).count() == 1


def test_participant_deletes_own_registration(event):
    seats = [services.register(event, data(f"p{i}@example.org")) for i in range(3)]
    waiting = services.register(event, data("w@example.org"))
    services.delete_own_registration(seats[0])
    seats[0].refresh_from_db()
    assert seats[0].status == S.CANCELLED and seats[0].email == "" and seats[0].name == ""
    waiting.refresh_from_db()
    assert waiting.status == S.PENDING  # promoted into the freed seat
    with pytest.raises(services.LinkInvalid):
        services.registration_from_link(services.signed_token(seats[0]))


def test_message_participants(event, mailoutbox, committed):
    a = services.register(event, data("a@example.org"))
    services.confirm_email(a)
    services.register(event, data("b@example.org"))
    mailoutbox.clear()
    with committed():
        sent = services.message_participants(event, ["confirmed"], "Raumänderung",
                                             "Wir treffen uns in Saal 2.")
    assert sent == 1
    assert [m.to for m in mailoutbox] == [["a@example.org"]]
    assert "Saal 2" in mailoutbox[0].body
    with pytest.raises(services.InvalidRegistration):
        services.message_participants(event, ["confirmed"], "", "")


def test_event_change_and_cancellation_send_calendar_updates(event, mailoutbox, committed):
    registration = services.register(event, data())
    services.confirm_email(registration)
    mailoutbox.clear()
    with committed():
        assert services.event_changed(event) == 1
    event.refresh_from_db()
    assert event.sequence == 1
    ics = _text(mailoutbox[0].attachments[0][1])
    assert "SEQUENCE:1" in ics and "METHOD:PUBLISH" in ics
    with committed():
        services.cancel_event(event)
    ics = _text(mailoutbox[-1].attachments[-1][1])
    assert "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics and "SEQUENCE:2" in ics


def _text(content):
    return content if isinstance(content, str) else content.decode()


def test_registering_again_after_own_hold_expired(event):
    now = timezone.now()
    first = services.register(event, data(), now=now)
    again = services.register(event, data(), now=now + timedelta(minutes=31))
    first.refresh_from_db()
    assert first.status == S.CANCELLED and first.cancel_reason == "expired"
    assert again.status == S.PENDING


def test_expired_seats_go_to_the_waiting_list_before_newcomers(event):
    now = timezone.now()
    for i in range(3):
        services.register(event, data(f"p{i}@example.org"), now=now)
    waiting = services.register(event, data("w@example.org"), now=now)
    later = now + timedelta(minutes=31)
    newcomer = services.register(event, data("neu@example.org"), now=later)
    waiting.refresh_from_db()
    assert waiting.status == S.PENDING and waiting.promoted_at == later
    assert newcomer.status == S.PENDING
    assert services.counts(event)["seats_taken"] == 2
