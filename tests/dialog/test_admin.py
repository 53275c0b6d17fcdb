"""The moderation back office in the Wagtail admin (modules/dialog/admin_views.py)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from beteiligung.participation.moderation import Visibility
from beteiligung.portal.authorities import create_authority
from modules.dialog.models import Block, ModerationLog, Post, Report

from ..factories import add_totp, login_with_second_factor, make_user
from .conftest import make_dialog, make_post


def admin_client(email, group=None, host="alpha.localhost"):
    user = make_user(email)
    if group:
        user.groups.add(group)
    add_totp(user)
    client = Client(HTTP_HOST=host)
    login_with_second_factor(client, user)
    return client, user


@pytest.fixture
def editor(dialog, authority_a):
    return admin_client("redaktion@leipzig.de", group=authority_a.editor_group)


def url(dialog, rest="moderation/"):
    return f"/admin/dialog/{dialog.pk}/{rest}"


def test_queue_tabs_and_actions(dialog, editor):
    client, user = editor
    pending = make_post(dialog, "Noch nicht freigegebener Text", visibility="pending")
    reported = make_post(dialog, "Gemeldeter Beitragstext 42", report_count=1)
    Report.objects.create(post=reported, reason="Das ist Werbung für XY", reporter_key="k")
    response = client.get(url(dialog), {"tab": "reported"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Das ist Werbung für XY" in content and "Gemeldeter Beitragstext 42" in content
    assert "Noch nicht freigegebener Text" not in content
    assert "Noch nicht freigegebener Text" in client.get(url(dialog), {"tab": "pending"}).content.decode()

    assert client.post(url(dialog, f"moderation/{pending.pk}/approve/")).status_code == 302
    assert Post.objects.get(pk=pending.pk).visibility == Visibility.PUBLISHED
    client.post(url(dialog, f"moderation/{reported.pk}/hide/"), {"reason": "Werbung"})
    assert Post.objects.get(pk=reported.pk).hidden_reason == "Werbung"
    client.post(url(dialog, f"moderation/{reported.pk}/restore/"))
    assert Post.objects.get(pk=reported.pk).visibility == Visibility.PUBLISHED
    author = make_user("anna@example.org")
    post = make_post(dialog, author=author)
    client.post(url(dialog, f"moderation/{post.pk}/block/"), {"reason": "Spam"})
    block = Block.objects.get(dialog=dialog)
    assert block.user == author
    assert "Spam" in client.get(url(dialog)).content.decode()
    client.post(url(dialog, f"sperre/{block.pk}/aufheben/"))
    assert not Block.objects.filter(dialog=dialog).exists()
    client.post(url(dialog, f"moderation/{post.pk}/reply/"), {"text": "Antwort der Stadt"})
    assert Post.objects.filter(dialog=dialog, is_official=True, parent=post).exists()
    assert ModerationLog.objects.filter(dialog=dialog).count() == 5
    assert client.get(url(dialog, f"moderation/{post.pk}/approve/")).status_code == 405


def test_hostile_posts_render_inert_in_queue(dialog, editor, hostile_inputs):
    client, _user = editor
    for value in hostile_inputs["xss"]:
        post = make_post(dialog, value, title=value[:200], author_name=value[:200], report_count=1)
        Report.objects.create(post=post, reason=value, reporter_key="k")
        Post.objects.filter(pk=post.pk).update(visibility="hidden", hidden_reason=value)
    for tab in ("reported", "hidden", "recent"):
        content = client.get(url(dialog), {"tab": tab}).content.decode()
        for dangerous in ("<script>alert", "<img src=x", "<svg/onload", "<iframe", "<details open ontoggle",
                          '<a href="javascript', '<a href="jAvAsCrIpT', "<style>body"):
            assert dangerous not in content, (tab, dangerous)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_queue_queries_do_not_grow_with_posts(dialog, editor):
    client, _user = editor
    client.get(url(dialog), {"tab": "recent"})  # warm up: session, user, per-process caches

    def count(n):
        for i in range(n):
            post = make_post(dialog, f"Beitrag {i}", report_count=1)
            Report.objects.create(post=post, reason="r", reporter_key=f"k{i}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(dialog), {"tab": "recent"}).status_code == 200
        return len(queries)

    assert count(10) == count(90)


def test_strangers_and_other_tenant_are_refused(dialog, authority_a, tenant_b):
    post = make_post(dialog, "Geheim? Nein, aber nicht für Fremde", visibility="pending")
    other = create_authority("Landkreis Nordsachsen")
    other_dialog = make_dialog(other, title="Nordsachsen fragt")
    stranger, _ = admin_client("fremd@example.org", group=other.editor_group)
    for path in (url(dialog), url(dialog, "statistik/"), url(dialog, "export/posts.csv")):
        response = stranger.get(path)
        assert (response.status_code, response.get("Location")) in ((302, "/admin/"), (403, None))
        assert b"Geheim" not in response.content
    stranger.post(url(dialog, f"moderation/{post.pk}/approve/"))
    assert Post.objects.get(pk=post.pk).visibility == "pending"
    assert stranger.get(url(other_dialog)).status_code == 200
    # A post id of another dialog through the page the user moderates: 404.
    assert stranger.post(url(other_dialog, f"moderation/{post.pk}/approve/")).status_code == 404
    # Tenant B: the page id does not exist there.
    with tenant_context(tenant_b):
        b_editor, _ = admin_client("redaktion@beta.de", host="beta.localhost", is_superuser=True) \
            if False else admin_client("redaktion@beta.de", host="beta.localhost")
        from django.contrib.auth import get_user_model

        get_user_model().objects.filter(email="redaktion@beta.de").update(is_superuser=True,
                                                                          is_staff=True)
    response = b_editor.get(url(dialog))
    assert response.status_code == 404


def test_moderator_group_member(dialog):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Moderation Radverkehr")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    dialog.moderator_group = group
    dialog.save_revision().publish()
    client, _ = admin_client("mod@example.org", group=group)
    assert client.get(url(dialog)).status_code == 200
    assert client.get(url(dialog, "statistik/")).status_code == 200


def test_statistics_page(dialog, editor):
    from modules.dialog.models import DialogCategory

    client, _ = editor
    cat = DialogCategory.objects.create(page=dialog, name="Radwege")
    anna, bernd = make_user("a@example.org"), make_user("b@example.org")
    first = make_post(dialog, author=anna, category=cat)
    make_post(dialog, "Kommentar", parent=first, author=bernd)
    make_post(dialog, "Kommentar 2", parent=first, author=anna)
    make_post(dialog, author_email="c@example.org", email_key="c@example.org")
    make_post(dialog, visibility="unconfirmed", email_key="d@example.org")
    response = client.get(url(dialog, "statistik/"))
    assert response.status_code == 200
    assert response.context["totals"] == {"contributions": 2, "comments": 2, "participants": 3}
    [day] = response.context["days"]
    assert (day["posts"], day["participants"]) == (4, 3)
    by_name = {c["category"]: c for c in response.context["categories"]}
    assert (by_name["Radwege"]["contributions"], by_name["Radwege"]["comments"],
            by_name["Radwege"]["participants"]) == (1, 2, 2)
    assert by_name[""]["contributions"] == 1
    content = response.content.decode()
    assert "<svg" in content and "<rect" in content and "<script" not in content.split("<svg")[1]
    assert "<table" in content
