"""Exports of posts and ratings (modules/dialog/exports.py)."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from modules.dialog.models import Rating

from ..factories import add_totp, login_with_second_factor, make_user
from .conftest import make_post


@pytest.fixture
def editor(dialog, authority_a):
    user = make_user("redaktion@leipzig.de")
    user.groups.add(authority_a.editor_group)
    add_totp(user)
    client = Client(HTTP_HOST="alpha.localhost")
    login_with_second_factor(client, user)
    return client


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_posts_export_csv_and_xlsx(dialog, editor):
    first = make_post(dialog, "Zeile 1\nZeile 2", title="Radwege", support_count=2,
                      author_email="geheim@example.org")
    make_post(dialog, "Kommentar", parent=first, visibility="hidden", hidden_reason="Werbung")
    make_post(dialog, "unbestätigt", visibility="unconfirmed")
    rows = read_csv(editor.get(f"/admin/dialog/{dialog.pk}/export/posts.csv"))
    assert len(rows) == 3
    assert rows[1][:6] == [str(first.pk), "Contribution", "", "", "Radwege", "Zeile 1\nZeile 2"] \
        or rows[1][1] == "Beitrag"
    assert rows[2][2] == str(first.pk) and rows[2][9] == "Werbung"
    assert "geheim@example.org" not in str(rows)
    response = editor.get(f"/admin/dialog/{dialog.pk}/export/posts.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3
    assert editor.get(f"/admin/dialog/{dialog.pk}/export/users.csv").status_code == 404


def test_ratings_export_has_no_identities(dialog, editor):
    post = make_post(dialog)
    rater = make_user("rater@example.org")
    Rating.objects.create(post=post, user=rater, value=-1)
    rows = read_csv(editor.get(f"/admin/dialog/{dialog.pk}/export/ratings.csv"))
    assert [r[:2] for r in rows[1:]] == [[str(post.pk), "-1"]]
    assert "rater" not in str(rows)


def test_hostile_cells_are_guarded(dialog, editor, hostile_inputs):
    values = hostile_inputs["xss"] + ["=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)"]
    for value in values:
        make_post(dialog, value, title=value[:200], author_name=value[:200])
    for fmt in ("csv", "xlsx"):
        response = editor.get(f"/admin/dialog/{dialog.pk}/export/posts.{fmt}")
        if fmt == "csv":
            cells = [c for row in read_csv(response)[1:] for c in row]
        else:
            sheet = load_workbook(io.BytesIO(response.content)).active
            cells = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
        texts = [c for c in cells if isinstance(c, str)]
        assert not [c for c in texts if c[:1] in ("=", "+", "-", "@")]
        assert "'=HYPERLINK(\"http://evil\")" in texts
        assert "<script>alert(1)</script>" in texts  # kept readable: a spreadsheet is not HTML
