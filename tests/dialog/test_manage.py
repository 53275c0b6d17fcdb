"""The personal manage link of e-mail-mode authors (no account): it comes with the
confirmation, opens one post at one portal, shows without changing anything, and edits
or deletes through the same services as the logged-in path while the dialog is open."""

from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from beteiligung.participation.moderation import Visibility
from beteiligung.participation.state import ProcedureState
from beteiligung.portal.authorities import create_authority
from modules.dialog import moderation, services
from modules.dialog.models import Block, Post

from ..conftest import hostile_strings
from .conftest import email_data, make_dialog, post_data

V = Visibility
HOST = "alpha.localhost"
INVALID = "Dieser Link ist ungültig oder abgelaufen."
ENDED = "Der Dialog ist beendet. Ihr Beitrag kann nicht mehr bearbeitet oder gelöscht werden."


@pytest.fixture
def email_dialog(dialog):
    dialog.participation_mode = "email"
    dialog.save_revision().publish()
    return dialog


def confirmed(dialog, **fields):
    post = services.submit_contribution(dialog, email_data(**fields))
    return services.confirm_post(services.confirm_link(post))


def manage_path(post):
    return reverse("dialog:manage", args=[services.manage_link(post)])


def delete_path(post):
    return reverse("dialog:manage_delete", args=[services.manage_link(post)])


def csrf_client():
    """A browser that sends the CSRF token only where a form gave it one."""
    return Client(HTTP_HOST=HOST, enforce_csrf_checks=True)


def form_post(client, path, data, form_path=None):
    """GET the page with the form (for the CSRF token), then POST ``data`` to ``path``."""
    client.get(form_path or path)
    token = client.cookies["csrftoken"].value
    return client.post(path, {**data, "csrfmiddlewaretoken": token})


def snapshot(post):
    row = Post.objects.get(pk=post.pk)
    return (row.title, row.text, row.category_id, row.visibility, row.edited_at, row.deleted_at)


def version(dialog):
    return ProcedureState.objects.filter(procedure_id=dialog.pk).values_list(
        "version", flat=True).first() or 0


def close(dialog):
    dialog.starts_at = timezone.now() - timedelta(days=2)
    dialog.ends_at = timezone.now() - timedelta(minutes=1)
    dialog.save_revision().publish()


# --- The link comes with the confirmation ----------------------------------------------


def test_confirmation_mail_and_page_carry_the_manage_link(email_dialog, committed, mailoutbox):
    with committed():
        post = services.submit_contribution(email_dialog, email_data(title="Idee"))
    body = mailoutbox[0].body
    managed = [word for word in body.split() if "/dialoge/verwalten/" in word]
    assert len(managed) == 1
    assert urlsplit(managed[0]).path == manage_path(post)
    assert urlsplit(managed[0]).hostname == HOST
    assert "bearbeiten oder löschen" in body
    confirm = [word for word in body.split() if "/dialoge/bestaetigen/" in word][0]
    page = Client(HTTP_HOST=HOST).get(urlsplit(confirm).path)
    assert page.status_code == 200
    assert f'href="{manage_path(post)}"' in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    # The link from the mail opens the now published post.
    response = Client(HTTP_HOST=HOST).get(urlsplit(managed[0]).path)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Idee" in content and 'name="text"' in content
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "same-origin"  # the secret stays on the portal
    assert "noindex" in response["X-Robots-Tag"]


def test_account_posts_have_no_working_manage_link(dialog, user):
    post = services.submit_contribution(dialog, post_data(), user=user)
    response = Client(HTTP_HOST=HOST).get(manage_path(post))
    assert response.status_code == 404 and INVALID in response.content.decode()
    with pytest.raises(services.LinkInvalid):
        services.edit_post(post, None, post_data(text="fremd"), link=services.manage_link(post))
    with pytest.raises(services.LinkInvalid):
        services.delete_post(post, None, link=services.manage_link(post))
    assert Post.objects.get(pk=post.pk).visibility == V.PUBLISHED


# --- One post, one portal, one purpose ---------------------------------------------------


def test_link_works_for_its_own_post_only(email_dialog):
    mine = confirmed(email_dialog, title="Meine Idee")
    theirs = confirmed(email_dialog, title="Fremde Idee", name="Bernd", email="b@example.org")
    content = Client(HTTP_HOST=HOST).get(manage_path(mine)).content.decode()
    assert "Meine Idee" in content and "Fremde Idee" not in content
    before = snapshot(theirs)
    my_link = services.manage_link(mine)
    with pytest.raises(services.LinkInvalid):
        services.edit_post(theirs, None, post_data(title="Gekapert", text="x"), link=my_link)
    with pytest.raises(services.LinkInvalid):
        services.delete_post(theirs, None, link=my_link)
    assert snapshot(theirs) == before
    # The same post's other links are made for other purposes.
    for other_link in (services.confirm_link(mine), services.unsubscribe_link(mine)):
        response = Client(HTTP_HOST=HOST).get(reverse("dialog:manage", args=[other_link]))
        assert response.status_code == 404
        with pytest.raises(services.LinkInvalid):
            services.delete_post(mine, None, link=other_link)
    assert Post.objects.get(pk=mine.pk).visibility == V.PUBLISHED


def test_link_of_tenant_a_fails_at_tenant_b(email_dialog, tenant_a, tenant_b):
    post = confirmed(email_dialog, title="Idee aus A")
    path = manage_path(post)
    signed = services.manage_link(post)
    with tenant_context(tenant_b):
        # A post at B with the very same token: the link still names A's portal.
        dialog_b = make_dialog(create_authority("Landkreis Beta"), participation_mode="email")
        twin = services.submit_contribution(dialog_b, email_data(title="Idee aus B"))
        Post.objects.filter(pk=twin.pk).update(token=post.token, visibility=V.PUBLISHED)
        with pytest.raises(services.LinkInvalid):
            services.post_for_manage_link(signed)
    client_b = Client(HTTP_HOST="beta.localhost")
    for response in (client_b.get(path), client_b.post(path, {"title": "B", "text": "B"}),
                     client_b.post(reverse("dialog:manage_delete", args=[signed]))):
        assert response.status_code == 404
    assert INVALID in client_b.get(path).content.decode()
    with tenant_context(tenant_b):
        row = Post.objects.get(pk=twin.pk)
        assert row.title == "Idee aus B" and row.visibility == V.PUBLISHED
    connection.set_tenant(tenant_a)
    assert snapshot(post)[:2] == ("Idee aus A", post.text)


def test_tampered_and_foreign_links_are_refused_in_german(email_dialog, hostile_inputs):
    post = confirmed(email_dialog)
    signed = services.manage_link(post)
    token, signature = signed.rsplit(":", 1)
    other_token = Post.objects.get(pk=post.pk).token[::-1]
    tampered = [
        signed + "x", signed[:-1], f"{token}:{signature[::-1]}", f"{other_token}:{signature}",
        token, f"{token}:", ":" + signature, "x", signed.upper(),
    ]
    tampered += [quote(value, safe="") for value in hostile_strings(hostile_inputs)]
    before = snapshot(post)
    client = Client(HTTP_HOST=HOST)
    for value in tampered:
        for path in (f"/dialoge/verwalten/{value}/", f"/dialoge/verwalten/{value}/loeschen/"):
            response = client.get(path)
            assert response.status_code == 404, value
            if "%2F" not in value:  # a slash makes it another address, not a link
                assert INVALID in response.content.decode(), value
            assert client.post(path, {"title": "x", "text": "x"}).status_code == 404, value
    assert snapshot(post) == before


# --- GET changes nothing ------------------------------------------------------------------


def test_get_and_head_change_nothing(email_dialog):
    post = confirmed(email_dialog)
    before, version_before = snapshot(post), version(email_dialog)
    client = Client(HTTP_HOST=HOST)
    for path in (manage_path(post), delete_path(post)):
        assert client.get(path, {"text": "neu", "title": "neu"}).status_code == 200
        assert client.head(path).status_code == 200
    assert client.put(manage_path(post)).status_code == 405
    assert snapshot(post) == before and version(email_dialog) == version_before


# --- Edit and delete while open; not after ------------------------------------------------


def test_edit_and_delete_while_open_replies_stay(email_dialog, user):
    from modules.dialog.models import DialogCategory

    category = DialogCategory.objects.create(page=email_dialog, name="Verkehr")
    post = confirmed(email_dialog, title="Alt", text="Alter Text")
    reply = services.submit_comment(post, post_data(title="", text="Gute Antwort"), user=user)
    client = csrf_client()
    # Without the form's CSRF token nothing happens.
    assert client.post(manage_path(post), {"title": "Neu", "text": "Neu"}).status_code == 403
    assert snapshot(post)[:2] == ("Alt", "Alter Text")
    response = form_post(client, manage_path(post),
                         {"title": "Neuer Titel", "text": "Neuer Text", "category": str(category.pk)})
    assert response.status_code == 302 and response["Location"] == manage_path(post)
    row = Post.objects.get(pk=post.pk)
    assert (row.title, row.text, row.category_id) == ("Neuer Titel", "Neuer Text", category.pk)
    assert row.edited_at and row.visibility == V.PUBLISHED
    page = client.get(manage_path(post)).content.decode()
    assert "Ihre Änderungen wurden gespeichert." in page and "Neuer Text" in page
    thread = Client(HTTP_HOST=HOST).get(f"{email_dialog.url_path_on_site}beitrag/{post.pk}/")
    assert "Neuer Text" in thread.content.decode()

    assert "Möchten Sie Ihren Beitrag wirklich löschen?" in client.get(
        delete_path(post)).content.decode()
    assert client.post(delete_path(post)).status_code == 403  # no CSRF token
    assert Post.objects.get(pk=post.pk).visibility == V.PUBLISHED
    response = form_post(client, delete_path(post), {})
    assert response.status_code == 302 and response["Location"] == manage_path(post)
    row = Post.objects.get(pk=post.pk)
    assert row.visibility == V.DELETED and row.text == "" and row.title == ""
    assert Post.objects.get(pk=reply.pk).visibility == V.PUBLISHED
    thread = Client(HTTP_HOST=HOST).get(f"{email_dialog.url_path_on_site}beitrag/{post.pk}/")
    content = thread.content.decode()
    assert thread.status_code == 200 and "Neuer Text" not in content and "Gute Antwort" in content
    after = client.get(manage_path(post)).content.decode()
    assert "Ihr Beitrag wurde gelöscht." in after
    assert 'name="text"' not in after
    # A second delete, or an edit of the deleted post, changes nothing.
    assert form_post(client, delete_path(post), {}, manage_path(post)).status_code == 403
    assert form_post(client, manage_path(post), {"title": "Wieder", "text": "da"}).status_code == 403
    assert Post.objects.get(pk=post.pk).text == ""


def test_comment_edit_keeps_its_place(email_dialog, user):
    root = services.submit_contribution(email_dialog, post_data(), user=user)
    comment = services.submit_comment(root, email_data(title="", text="Erster Gedanke"))
    services.confirm_post(services.confirm_link(comment))
    page = Client(HTTP_HOST=HOST).get(manage_path(comment)).content.decode()
    assert 'name="title"' not in page and 'name="category"' not in page
    response = form_post(csrf_client(), manage_path(comment), {"text": "Zweiter Gedanke"})
    assert response.status_code == 302
    row = Post.objects.get(pk=comment.pk)
    assert (row.text, row.root_id, row.parent_id, row.title) == ("Zweiter Gedanke", root.pk, root.pk, "")


def test_after_the_end_the_link_says_so_and_replayed_posts_change_nothing(email_dialog):
    post = confirmed(email_dialog)
    client = csrf_client()
    client.get(manage_path(post))  # the form was loaded while the dialog was open
    token = client.cookies["csrftoken"].value
    close(email_dialog)
    before = snapshot(post)
    page = client.get(manage_path(post))
    content = page.content.decode()
    assert page.status_code == 200 and ENDED in content and 'name="text"' not in content
    assert ENDED in client.get(delete_path(post)).content.decode()
    edit = client.post(manage_path(post), {"title": "Zu spät", "text": "Mein später Text",
                                           "csrfmiddlewaretoken": token})
    assert edit.status_code == 403
    assert ENDED in edit.content.decode() and "Mein später Text" in edit.content.decode()
    delete = client.post(delete_path(post), {"csrfmiddlewaretoken": token})
    assert delete.status_code == 403 and ENDED in delete.content.decode()
    assert snapshot(post) == before
    with pytest.raises(services.Closed):
        services.delete_post(post, None, link=services.manage_link(post))


def test_blocked_participant_is_refused(email_dialog):
    post = confirmed(email_dialog)
    Block.objects.create(dialog=email_dialog, email_key=post.email_key, reason="Beleidigung")
    before = snapshot(post)
    client = csrf_client()
    page = client.get(manage_path(post)).content.decode()
    assert "Sie können sich an diesem Dialog nicht mehr beteiligen" in page and 'name="text"' not in page
    token = client.cookies["csrftoken"].value
    edit = client.post(manage_path(post), {"title": "T", "text": "x", "csrfmiddlewaretoken": token})
    delete = client.post(delete_path(post), {"csrfmiddlewaretoken": token})
    assert edit.status_code == delete.status_code == 403
    assert snapshot(post) == before
    with pytest.raises(services.Blocked):
        services.edit_post(post, None, post_data(), link=services.manage_link(post))


def test_unconfirmed_and_hidden_posts_cannot_be_changed(email_dialog, authority_a):
    from ..factories import make_user

    waiting = services.submit_contribution(email_dialog, email_data(title="Unbestätigt"))
    page = Client(HTTP_HOST=HOST).get(manage_path(waiting)).content.decode()
    assert "noch nicht bestätigt" in page and 'name="text"' not in page
    with pytest.raises(services.NotAvailable):
        services.edit_post(waiting, None, post_data(), link=services.manage_link(waiting))

    post = confirmed(email_dialog)
    moderator = make_user("mod@leipzig.de")
    moderator.groups.add(authority_a.editor_group)
    moderation.hide(post, moderator, "Werbung")
    before = snapshot(post)
    page = Client(HTTP_HOST=HOST).get(manage_path(post)).content.decode()
    assert "Moderationsteam hat diesen Beitrag ausgeblendet" in page and 'name="text"' not in page
    with pytest.raises(services.NotAvailable):
        services.edit_post(post, None, post_data(text="umgangen"), link=services.manage_link(post))
    with pytest.raises(services.NotAvailable):
        services.delete_post(post, None, link=services.manage_link(post))
    assert snapshot(post) == before


def test_pre_moderation_edit_waits_for_review_again(email_dialog, authority_a):
    from ..factories import make_user

    email_dialog.moderation_mode = "pre"
    email_dialog.save_revision().publish()
    post = confirmed(email_dialog)
    assert post.visibility == V.PENDING
    moderator = make_user("mod@leipzig.de")
    moderator.groups.add(authority_a.editor_group)
    moderation.approve(post, moderator)
    page = Client(HTTP_HOST=HOST).get(manage_path(post)).content.decode()
    assert "prüft das Moderationsteam den Beitrag erneut" in page
    client = csrf_client()
    response = form_post(client, manage_path(post), {"title": "Neu", "text": "Geändert"})
    assert response.status_code == 302
    assert "nach Prüfung durch das Moderationsteam" in client.get(manage_path(post)).content.decode()
    row = Post.objects.get(pk=post.pk)
    assert row.visibility == V.PENDING and row.text == "Geändert"
    thread = Client(HTTP_HOST=HOST).get(f"{email_dialog.url_path_on_site}beitrag/{post.pk}/")
    assert thread.status_code == 404  # not public until approved again


# --- Errors and hostile input -------------------------------------------------------------


def test_invalid_edit_keeps_the_typed_text_and_links_the_fields(email_dialog):
    post = confirmed(email_dialog)
    before = snapshot(post)
    response = form_post(csrf_client(), manage_path(post),
                         {"title": "", "text": "Mein neuer Text bleibt", "category": "999"})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in content and 'href="#id_title"' in content
    assert 'aria-describedby="id_title_error"' in content and 'id="id_title_error"' in content
    assert "Mein neuer Text bleibt" in content
    assert snapshot(post) == before


def test_hostile_inputs_change_nothing_or_render_inert(email_dialog, hostile_inputs):
    post = confirmed(email_dialog)
    client = csrf_client()
    client.get(manage_path(post))
    token = client.cookies["csrftoken"].value
    for value in hostile_strings(hostile_inputs):
        title = " ".join(value.split())[:200] or "x"
        for data in ({"title": title, "text": value}, {"title": value, "text": "ok"},
                     {"title": "ok", "text": "ok", "category": value}):
            response = client.post(manage_path(post), {**data, "csrfmiddlewaretoken": token})
            assert response.status_code in (200, 302), (value, response.status_code)
            if response.status_code == 200:  # refused: the typed text is shown again, inert
                assert b"<script>alert(1)</script>" not in response.content
        page = client.get(manage_path(post))
        thread = client.get(f"{email_dialog.url_path_on_site}beitrag/{post.pk}/")
        for response in (page, thread):
            assert response.status_code == 200, value
            body = response.content
            assert b"<script>alert(1)</script>" not in body
            assert b"onerror=alert(1)>" not in body
            assert b"<svg/onload" not in body and b"<svg onload" not in body
            assert b'<a href="javascript:' not in body.lower()
    assert Post.objects.get(pk=post.pk).visibility == V.PUBLISHED
