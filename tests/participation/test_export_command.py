"""``beteiligung export``: the tables the modules registered (registry.Export), written
into a file for operators, and the same tables behind the back office's downloads."""

import csv
import dataclasses
import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from beteiligung.participation import registry
from beteiligung.portal.authorities import create_authority
from beteiligung.project.testing.live import database_url
from modules.dialog.models import Rating
from modules.events import services

from ..dialog.conftest import make_dialog, make_post
from ..events.conftest import add_question, data, make_event
from ..factories import add_totp, login_with_second_factor, make_user


def align_page_ids(*tenants):
    """Move each tenant's page id sequence (each schema counts its own) forward to the
    highest of them, so that pages made in the same order get the same ids everywhere.
    Only ever forward: sequences are not rolled back with the test."""
    sequences = {}
    for tenant in tenants:
        with tenant_context(tenant), connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence('wagtailcore_page', 'id')")
            name = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value FROM {name}")
            sequences[name] = cursor.fetchone()[0]
    highest = max(sequences.values())
    with connection.cursor() as cursor:
        for name in sequences:
            cursor.execute("SELECT setval(%s, %s)", [name, highest])


@pytest.fixture
def procedures(tenant_a, tenant_b, authority_a):
    """A dialog and an event with the same ids in tenant A and in tenant B, each with
    rows of its own."""
    with tenant_context(tenant_b):
        authorities = {"Alpha": authority_a, "Beta": create_authority("Stadt Köln")}
    align_page_ids(tenant_a, tenant_b)
    made = {}
    for tenant, place in ((tenant_a, "Alpha"), (tenant_b, "Beta")):
        with tenant_context(tenant):
            authority = authorities[place]
            dialog = make_dialog(authority, title=f"Marktplatz {place}")
            first = make_post(dialog, f"Mehr Bäume in {place}", title=f"Bäume {place}",
                              author_name=f"Anna {place}", support_count=1)
            make_post(dialog, f"Kommentar aus {place}", parent=first, author_name=f"Bernd {place}")
            Rating.objects.create(post=first, user=make_user(f"rater@{place.lower()}.de"), value=1)
            event = make_event(authority, title=f"Forum {place}")
            question = add_question(event, f"Frage {place}")
            registration = services.register(event, data(
                f"teilnahme@{place.lower()}.de", name=f"Clara {place}",
                answers={question.key: f"Antwort {place}"}))
            services.confirm_email(registration)
            made[place] = {"dialog": dialog, "event": event, "post": first,
                           "authority": authority}
    assert made["Alpha"]["dialog"].pk == made["Beta"]["dialog"].pk
    assert made["Alpha"]["event"].pk == made["Beta"]["event"].pk
    connection.set_schema_to_public()
    made["dialog_id"], made["event_id"] = made["Alpha"]["dialog"].pk, made["Alpha"]["event"].pk
    return made


def export(tmp_path, schema, procedure, table, fmt="csv", name=None):
    output = tmp_path / (name or f"{schema}-{procedure}-{table}.{fmt}")
    out = io.StringIO()
    call_command("export", schema=schema, procedure=procedure, table=table, format=fmt,
                 output=str(output), stdout=out)
    return output, out.getvalue()


def read_csv(content):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_each_tenants_file_has_exactly_its_own_procedures_rows(procedures, tmp_path):
    dialog_id, event_id = procedures["dialog_id"], procedures["event_id"]
    for place, schema, other in (("Alpha", "alpha", "Beta"), ("Beta", "beta", "Alpha")):
        output, message = export(tmp_path, schema, dialog_id, "posts")
        rows = read_csv(output.read_bytes())
        assert rows[0][:3] == ["ID", "Art", "ID des übergeordneten Beitrags"]  # German, as the portal is
        assert [r[4:7] for r in rows[1:]] == [
            [f"Bäume {place}", f"Mehr Bäume in {place}", f"Anna {place}"],
            ["", f"Kommentar aus {place}", f"Bernd {place}"],
        ]
        assert [r[1] for r in rows[1:]] == ["Beitrag", "Kommentar"]
        assert other not in output.read_text(encoding="utf-8-sig")
        assert message.startswith(f"Wrote 2 rows of posts of procedure {dialog_id} (Marktplatz {place})")
        assert output.stat().st_mode & 0o777 == 0o600  # personal data: the operator's only

        output, _ = export(tmp_path, schema, dialog_id, "ratings")
        rows = read_csv(output.read_bytes())
        assert [r[:2] for r in rows[1:]] == [[str(procedures[place]["post"].pk), "1"]]
        assert "rater@" not in output.read_text(encoding="utf-8-sig")

        output, _ = export(tmp_path, schema, event_id, "participants")
        rows = read_csv(output.read_bytes())
        assert rows[0][-1] == f"Frage {place}"
        assert [(r[0], r[1], r[2], r[-1]) for r in rows[1:]] == [
            (f"Clara {place}", f"teilnahme@{place.lower()}.de", "bestätigt", f"Antwort {place}")]
        assert other not in output.read_text(encoding="utf-8-sig")


def test_xlsx_reads_back_with_openpyxl(procedures, tmp_path):
    dialog_id, event_id = procedures["dialog_id"], procedures["event_id"]
    output, _ = export(tmp_path, "beta", event_id, "participants", fmt="xlsx")
    workbook = load_workbook(output)
    assert workbook.sheetnames == ["Forum Beta"]
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Name", "E-Mail") and rows[0][-1] == "Frage Beta"
    assert [(r[0], r[1], r[-1]) for r in rows[1:]] == [
        ("Clara Beta", "teilnahme@beta.de", "Antwort Beta")]
    output, _ = export(tmp_path, "alpha", dialog_id, "posts", fmt="xlsx")
    rows = list(load_workbook(output).active.iter_rows(values_only=True))
    assert [r[4] for r in rows[1:]] == ["Bäume Alpha", None]


def test_format_follows_the_output_name_unless_given(procedures, tmp_path):
    dialog_id = procedures["dialog_id"]
    output = tmp_path / "beitraege.xlsx"
    call_command("export", schema="alpha", procedure=dialog_id, table="posts",
                 output=str(output), stdout=io.StringIO())
    assert load_workbook(output).active.max_row == 3
    output = tmp_path / "beitraege.txt"
    call_command("export", schema="alpha", procedure=dialog_id, table="posts",
                 output=str(output), stdout=io.StringIO())
    assert output.read_bytes().startswith("\ufeffID;".encode())


def test_list_shows_the_tenants_procedures_with_their_tables(procedures):
    dialog_id, event_id = procedures["dialog_id"], procedures["event_id"]
    out = io.StringIO()
    call_command("export", schema="beta", list=True, stdout=out)
    assert [" ".join(line.split()) for line in out.getvalue().splitlines()] == [
        "ID TYPE TABLES TITLE",
        f"{dialog_id} dialog posts, ratings Marktplatz Beta",
        f"{event_id} events participants Forum Beta",
    ]
    assert "Alpha" not in out.getvalue()


def test_list_of_a_tenant_without_procedures(tenant_b):
    out = io.StringIO()
    call_command("export", schema="beta", list=True, stdout=out)
    assert out.getvalue() == "No procedures in schema beta.\n"


@pytest.mark.parametrize(("options", "message"), [
    ({"schema": "nope"}, "There is no tenant with the schema 'nope'."),
    ({"schema": "public"}, "There is no tenant with the schema 'public'"),
    ({"procedure": 999_999_999}, "No procedure with the id 999999999 in schema alpha."),
    ({"table": "participants"}, "The table 'participants' belongs to events procedures; "
                                "procedure {dialog} is of type dialog (tables: posts, ratings)."),
    ({"procedure": "event", "table": "posts"}, "The table 'posts' belongs to dialog procedures"),
    ({"table": "users"}, "Unknown table 'users'; procedure {dialog} (dialog) has the tables: "
                         "posts, ratings."),
    ({"table": None}, "Missing --table (or pass --list)."),
    ({"list": True}, "--list takes no --procedure, --table or --output."),
])
def test_refusals_say_why_exit_with_2_and_write_nothing(procedures, tmp_path, options, message):
    output = tmp_path / "export.csv"
    arguments = {"schema": "alpha", "procedure": procedures["dialog_id"], "table": "posts",
                 "output": str(output), **options}
    if arguments["procedure"] == "event":
        arguments["procedure"] = procedures["event_id"]
    with pytest.raises(CommandError) as error:
        call_command("export", **{k: v for k, v in arguments.items() if v is not None})
    assert error.value.returncode == 2
    assert str(error.value).startswith(message.format(dialog=procedures["dialog_id"]))
    assert "\n" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_a_page_that_is_no_procedure(procedures, tmp_path):
    with pytest.raises(CommandError, match=rf"^Page {procedures['Alpha']['authority'].pk} in schema "
                                           r"alpha is not a procedure\.$"):
        call_command("export", schema="alpha", procedure=procedures["Alpha"]["authority"].pk,
                     table="posts", output=str(tmp_path / "x.csv"))
    assert list(tmp_path.iterdir()) == []


def test_an_output_that_cannot_be_written(procedures, tmp_path):
    dialog_id = procedures["dialog_id"]
    with pytest.raises(CommandError, match=r"^Cannot write to .*missing") as error:
        call_command("export", schema="alpha", procedure=dialog_id, table="posts",
                     output=str(tmp_path / "missing" / "x.csv"))
    assert error.value.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_leaves_no_file(procedures, tmp_path, monkeypatch):
    """The file appears only complete: a table that breaks off leaves nothing behind,
    and an older file of the same name as it was."""
    dialog_id = procedures["dialog_id"]
    table = registry.export_for(procedures["Alpha"]["dialog"], "posts")

    def broken_rows(procedure, **filters):
        yield from table.rows(procedure, **filters)
        raise RuntimeError("connection lost")

    broken = dataclasses.replace(table, rows=broken_rows)
    monkeypatch.setattr(registry, "export_for", lambda procedure, key: broken)
    output = tmp_path / "export.csv"
    output.write_text("the last good export")
    with pytest.raises(RuntimeError):
        call_command("export", schema="alpha", procedure=dialog_id, table="posts",
                     output=str(output), stdout=io.StringIO())
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]
    assert output.read_text() == "the last good export"


def _cli(*arguments):
    """``beteiligung export ...`` in a process of its own, on the test database."""
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict["NAME"])}
    return subprocess.run([sys.executable, "-m", "beteiligung.project.cli", "export", *arguments],
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_cli_entry_writes_a_committed_event(committed_event, django_db_blocker, tmp_path):
    """``beteiligung export`` passes through to the command; it sees only what is
    committed, so the event is (and is removed afterwards by the fixture)."""
    tenant, event = committed_event("Amt für Ausfuhren")
    with django_db_blocker.unblock(), tenant_context(tenant):
        services.register(event, data("cli@example.org", name="Carla Zeile"))
    output = tmp_path / "teilnehmende.xlsx"
    result = _cli("--schema", "alpha", "--procedure", str(event.pk), "--table", "participants",
                  "--format", "xlsx", "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Wrote 1 rows of participants of procedure {event.pk} ")
    rows = list(load_workbook(output).active.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [("Carla Zeile", "cli@example.org")]
    listing = _cli("--schema", "alpha", "--list")
    assert listing.returncode == 0, listing.stderr
    assert f"{event.pk}  events        participants" in listing.stdout


def test_a_real_process_refuses_without_a_traceback(tenant_a, tmp_path):
    for arguments in (["--schema", "nope", "--list"],
                      ["--schema", "alpha", "--procedure", "999999999", "--table", "posts",
                       "--output", str(tmp_path / "x.csv")],
                      ["--schema", "alpha", "--procedure", "1", "--format", "pdf",
                       "--output", str(tmp_path / "x.pdf")]):
        result = _cli(*arguments)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
        if "pdf" not in arguments:  # argparse's refusals come with the usage line
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "argument --format: invalid choice: 'pdf'" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- The back office serves the same registered tables -------------------------------


def _editor(authority):
    user = make_user("redaktion@leipzig.de")
    user.groups.add(authority.editor_group)
    add_totp(user)
    client = Client(HTTP_HOST="alpha.localhost")
    login_with_second_factor(client, user)
    return client


def test_admin_downloads_are_the_registered_tables(procedures, tenant_a, tmp_path):
    dialog_id, event_id = procedures["dialog_id"], procedures["event_id"]
    connection.set_tenant(tenant_a)
    editor = _editor(procedures["Alpha"]["authority"])
    for url, table in ((f"/admin/dialog/{dialog_id}/export/posts.csv", "posts"),
                       (f"/admin/dialog/{dialog_id}/export/ratings.csv", "ratings"),
                       (f"/admin/veranstaltungen/{event_id}/export.csv", "participants")):
        response = editor.get(url)
        assert response.status_code == 200
        procedure = event_id if table == "participants" else dialog_id
        output, _ = export(tmp_path, "alpha", procedure, table)
        connection.set_tenant(tenant_a)
        assert response.content == output.read_bytes()
    nav = editor.get(f"/admin/dialog/{dialog_id}/moderation/").content.decode()
    for key, label in (("posts", "Beiträge"), ("ratings", "Bewertungen")):
        for fmt in ("xlsx", "csv"):
            assert f'href="/admin/dialog/{dialog_id}/export/{key}.{fmt}">{label} ({fmt.upper()})' in nav


def test_the_registry_knows_each_modules_tables(procedures, tenant_a):
    connection.set_tenant(tenant_a)
    dialog, event = procedures["Alpha"]["dialog"], procedures["Alpha"]["event"]
    assert [e.key for e in registry.exports_for(dialog)] == ["posts", "ratings"]
    assert [e.key for e in registry.exports_for(event)] == ["participants"]
    with translation.override("de"):
        assert [str(e.label) for e in registry.exports_for(dialog)] == ["Beiträge", "Bewertungen"]
    assert registry.export_for(event, "posts") is None


def test_the_participants_table_is_one_query(procedures, tenant_a, django_assert_num_queries):
    connection.set_tenant(tenant_a)
    event = procedures["Alpha"]["event"]
    services.register(event, data("zwei@alpha.de", name="Zweite Person"))
    table = registry.export_for(event, "participants")
    table.headers(event)  # the registration questions, once
    with django_assert_num_queries(1):
        rows = list(table.rows(event))
    assert [r[0] for r in rows] == ["Clara Alpha", "Zweite Person"]
