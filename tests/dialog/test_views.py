"""The public pages: forms post and redirect without JavaScript, errors keep the input,
hostile inputs render inert."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from beteiligung.participation.moderation import Visibility
from modules.dialog import reading, services
from modules.dialog.models import Post, Rating

from ..conftest import hostile_strings
from .conftest import post_data

HOST = "alpha.localhost"


def client_for(user=None):
    client = Client(HTTP_HOST=HOST)
    if user is not None:
        client.force_login(user)
    return client


def url(dialog, rest=""):
    return dialog.url_path_on_site + rest


def test_dialog_page_lists_contributions_with_counts_sort_and_filter(dialog, user, other):
    from modules.dialog.pages import DialogCategory

    category = DialogCategory.objects.create(page=dialog, name="Grünflächen")
    dialog.save_revision().publish()
    first = services.submit_contribution(dialog, post_data(title="Bäume pflanzen",
                                                           category_id=category.pk), user=user)
    services.submit_contribution(dialog, post_data(title="Parkplätze"), user=user)
    services.rate(first, other, 1)
    page = client_for().get(url(dialog), {"sortierung": "unterstuetzt"})
    content = page.content.decode()
    assert page.status_code == 200
    assert content.index("Bäume pflanzen") < content.index("Parkplätze")
    assert "beitragen/" not in content  # anonymous in account mode: log in first
    filtered = client_for().get(url(dialog), {"kategorie": category.pk}).content.decode()
    assert "Bäume pflanzen" in filtered and "Parkplätze" not in filtered
    odd = client_for().get(url(dialog), {"seite": "x' OR 1=1", "sortierung": "<script>"})
    assert odd.status_code == 200


def test_contribute_post_redirect_get(dialog, user):
    client = client_for(user)
    form = client.get(url(dialog, "beitragen/"))
    assert form.status_code == 200 and b'name="website"' in form.content
    response = client.post(url(dialog, "beitragen/"), {"title": "Bänke", "text": "Mehr Bänke"})
    assert response.status_code == 302
    post = Post.objects.get()
    assert response["Location"].endswith(f"beitrag/{post.pk}/")
    page = client.get(response["Location"])
    assert "Mehr Bänke" in page.content.decode()


def test_errors_keep_the_input_and_link_the_fields(dialog, user):
    response = client_for(user).post(url(dialog, "beitragen/"),
                                     {"title": "Mein Titel bleibt", "text": ""})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in content and 'href="#id_text"' in content
    assert 'value="Mein Titel bleibt"' in content
    assert not Post.objects.exists()


def test_honeypot_keeps_text_and_saves_nothing(dialog, user):
    response = client_for(user).post(url(dialog, "beitragen/"),
                                     {"title": "T", "text": "Mein Text", "website": "spam"})
    assert response.status_code == 200
    assert "Mein Text" in response.content.decode()
    assert not Post.objects.exists()


def test_anonymous_refused_in_account_mode_even_by_direct_post(dialog):
    response = client_for().post(url(dialog, "beitragen/"), {"title": "T", "text": "x"})
    assert response.status_code == 403
    assert not Post.objects.exists()


def test_replayed_form_after_the_end_is_refused(dialog, user):
    dialog.ends_at = timezone.now() - timedelta(minutes=1)
    dialog.starts_at = timezone.now() - timedelta(days=2)
    dialog.save_revision().publish()
    response = client_for(user).post(url(dialog, "beitragen/"), {"title": "T", "text": "x"})
    assert response.status_code == 403 and not Post.objects.exists()


def test_comment_rate_report_edit_delete(dialog, user, other):
    post = services.submit_contribution(dialog, post_data(), user=user)
    commenter = client_for(other)
    response = commenter.post(url(dialog, f"beitrag/{post.pk}/antworten/"), {"text": "Gute Idee"})
    assert response.status_code == 302
    comment = Post.objects.get(root=post)
    assert response["Location"].endswith(f"beitrag/{post.pk}/#beitrag-{comment.pk}")
    reply_page = commenter.get(url(dialog, f"beitrag/{comment.pk}/antworten/"))
    assert reply_page.status_code == 200

    rated = commenter.post(url(dialog, f"beitrag/{post.pk}/bewerten/"), {"value": "1"})
    assert rated.status_code == 302 and Rating.objects.get().value == 1
    page = commenter.get(url(dialog, f"beitrag/{post.pk}/")).content.decode()
    assert 'value="0" aria-pressed="true"' in page  # pressed again withdraws
    assert page.count('aria-pressed="true"') == 1
    anonymous = client_for().post(url(dialog, f"beitrag/{post.pk}/bewerten/"), {"value": "1"})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]

    own = client_for(user).get(url(dialog, f"beitrag/{post.pk}/")).content.decode()
    assert f"beitrag/{post.pk}/bearbeiten/" in own and f"beitrag/{comment.pk}/bearbeiten/" not in own
    assert client_for(other).get(url(dialog, f"beitrag/{post.pk}/bearbeiten/")).status_code == 404
    edited = client_for(user).post(url(dialog, f"beitrag/{post.pk}/bearbeiten/"),
                                   {"title": "Neu", "text": "Neuer Text"})
    assert edited.status_code == 302
    assert client_for(user).get(url(dialog, f"beitrag/{post.pk}/loeschen/")).status_code == 200
    deleted = client_for(user).post(url(dialog, f"beitrag/{post.pk}/loeschen/"))
    assert deleted.status_code == 302
    page = client_for().get(url(dialog, f"beitrag/{post.pk}/")).content.decode()
    assert "Neuer Text" not in page and "Gute Idee" in page

    report_form = client_for().get(url(dialog, f"beitrag/{comment.pk}/melden/"))
    assert report_form.status_code == 200
    reported = client_for().post(url(dialog, f"beitrag/{comment.pk}/melden/"),
                                 {"reason": "Beleidigung"}, REMOTE_ADDR="198.51.100.7")
    assert reported.status_code == 302
    empty = client_for().post(url(dialog, f"beitrag/{comment.pk}/melden/"), {"reason": ""},
                              REMOTE_ADDR="198.51.100.8")
    assert empty.status_code == 200 and 'href="#id_reason"' in empty.content.decode()


def test_hidden_and_official_posts_are_marked(dialog, user):
    post = services.submit_contribution(dialog, post_data(text="geheimer Text"), user=user)
    comment = services.submit_comment(post, post_data(title="", text="Amtlich"), user=user)
    Post.objects.filter(pk=comment.pk).update(is_official=True)
    Post.objects.filter(pk=post.pk).update(visibility=Visibility.HIDDEN, hidden_reason="Beleidigung")
    from beteiligung.participation.state import bump_version

    bump_version(dialog.pk)
    page = client_for().get(url(dialog, f"beitrag/{post.pk}/")).content.decode()
    assert "geheimer Text" not in page and "Beleidigung" in page
    assert "Vom Moderationsteam ausgeblendet" in page and "Antwort der Behörde" in page


def test_comment_url_redirects_to_its_thread_and_pending_is_404(dialog, user):
    post = services.submit_contribution(dialog, post_data(), user=user)
    comment = services.submit_comment(post, post_data(title=""), user=user)
    response = client_for().get(url(dialog, f"beitrag/{comment.pk}/"))
    assert response.status_code == 302 and f"beitrag/{post.pk}/" in response["Location"]
    Post.objects.filter(pk=post.pk).update(visibility=Visibility.PENDING)
    reading.clear()
    assert client_for().get(url(dialog, f"beitrag/{post.pk}/")).status_code == 404


def test_netiquette_and_bad_links(dialog):
    client = client_for()
    assert client.get("/dialoge/netiquette/").status_code == 200
    assert client.get("/dialoge/bestaetigen/falsch/").status_code == 404
    assert client.post("/dialoge/abbestellen/falsch/").status_code == 404
    # A forged link is refused before anybody presses the button.
    assert client.get("/dialoge/abbestellen/falsch/").status_code == 404


def test_unsubscribe_link_shows_a_button_and_post_unsubscribes(dialog, user):
    post = services.submit_contribution(dialog, post_data(notify_replies=True), user=user)
    link = f"/dialoge/abbestellen/{services.unsubscribe_link(post)}/"
    page = client_for().get(link)
    assert page.status_code == 200 and "<form" in page.content.decode()
    post.refresh_from_db()
    assert post.notify_replies  # following the link (a mail scanner does) changes nothing
    assert client_for().post(link).status_code == 200
    post.refresh_from_db()
    assert not post.notify_replies


def test_hostile_inputs_render_inert(dialog, user, other, hostile_inputs):
    values = hostile_strings(hostile_inputs)
    root = services.submit_contribution(dialog, post_data(title="Start"), user=user)
    for value in values:
        title = " ".join(value.split())[:200] or "x"
        try:
            services.submit_contribution(dialog, post_data(title=title, text=value), user=user)
        except services.InvalidPost:
            pass
        try:
            services.submit_comment(root, post_data(title="", text=value), user=other)
        except services.InvalidPost:
            pass
    for path in (url(dialog), url(dialog, f"beitrag/{root.pk}/")):
        for client in (client_for(), client_for(user)):
            response = client.get(path)
            assert response.status_code == 200
            body = response.content
            assert b"<script>alert(1)</script>" not in body
            assert b"onerror=alert(1)>" not in body
            assert b'<a href="javascript:' not in body.lower()


def test_email_mode_form_confirm_link_and_pending(dialog, mailoutbox, committed):
    dialog.participation_mode = "email"
    dialog.moderation_mode = "pre"
    dialog.save_revision().publish()
    client = client_for()
    form = client.get(url(dialog, "beitragen/")).content.decode()
    assert 'name="privacy_consent"' in form and "Netiquette" in form
    refused = client.post(url(dialog, "beitragen/"), {"title": "Idee", "text": "Mein Text"})
    assert refused.status_code == 200 and "Mein Text" in refused.content.decode()
    assert 'href="#id_name"' in refused.content.decode()
    with committed():
        response = client.post(url(dialog, "beitragen/"), {
            "title": "Idee", "text": "Mein Text", "name": "Erika", "email": "erika@example.org",
            "privacy_consent": "on"})
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.visibility == Visibility.UNCONFIRMED
    link = [w for w in mailoutbox[0].body.split() if "/dialoge/bestaetigen/" in w][0]
    from urllib.parse import urlsplit

    confirmed = client_for().get(urlsplit(link).path)
    assert confirmed.status_code == 200
    post.refresh_from_db()
    assert post.visibility == Visibility.PENDING
    assert client_for().get(url(dialog, f"beitrag/{post.pk}/")).status_code == 404


def test_first_visit_pages_come_from_the_cache_with_a_fresh_token(dialog, user):
    post = services.submit_contribution(dialog, post_data(title="Erste Idee"), user=user)
    reading.clear()
    for path in (url(dialog), url(dialog, f"beitrag/{post.pk}/")):
        first, second = client_for().get(path), client_for().get(path)
        assert first.status_code == second.status_code == 200
        assert "Erste Idee" in second.content.decode()
        assert reading.CSRF_HOLE not in second.content.decode()
        # The cached page carries the thread as markup (not escaped), holes filled.
        assert "&lt;article" not in second.content.decode()
        assert 'id="beitrag-' in second.content.decode()
        assert "dlg" not in second.content.decode().replace("dlg-", "")
    services.submit_contribution(dialog, post_data(title="Zweite Idee"), user=user)
    assert "Zweite Idee" in client_for().get(url(dialog)).content.decode()


def test_rate_limit_answers_429_and_keeps_the_text(dialog, user):
    from wagtail.models import Site

    from beteiligung.participation import spam

    settings = spam.SpamProtectionSettings.for_site(Site.objects.get(is_default_site=True))
    settings.posts_per_account_per_hour = 1
    settings.save()
    client = client_for(user)
    assert client.post(url(dialog, "beitragen/"), {"title": "Eins", "text": "erster"}).status_code == 302
    again = client.post(url(dialog, "beitragen/"), {"title": "Zwei", "text": "Mein zweiter Text"})
    assert again.status_code == 429 and again["Retry-After"]
    assert "Mein zweiter Text" in again.content.decode()
    assert Post.objects.count() == 1
