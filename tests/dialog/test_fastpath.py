"""First-time visitors get the dialog page and a contribution page from the per-process
cache before Wagtail's routing, after one query; whatever Wagtail would answer
differently (unpublished, restricted, moved, changed) goes on to Wagtail."""

import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from modules.dialog import fastpath, reading, services
from modules.dialog.models import DialogPage

from .conftest import post_data

HOST = "alpha.localhost"


@pytest.fixture
def posted(dialog, user):
    reading.clear()
    fastpath.clear()
    post = services.submit_contribution(dialog, post_data(title="Schattige Bänke"), user=user)
    return post


def _get(path):
    with CaptureQueriesContext(connection) as queries:
        response = Client(HTTP_HOST=HOST).get(path)
    return response, len(queries)


def _paths(dialog, post):
    base = dialog.url_path_on_site
    return [base, base + "?sortierung=unterstuetzt", base + f"beitrag/{post.pk}/"]


def test_the_second_first_visit_costs_one_query_and_is_the_same_page(dialog, posted):
    for path in _paths(dialog, posted):
        wagtail, _n = _get(path)
        fast, queries = _get(path)
        assert wagtail.status_code == fast.status_code == 200
        assert queries == 1, path
        strip = lambda r: r.content.decode().split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
        assert strip(fast) == strip(wagtail)
        assert fast["Content-Security-Policy"]  # the security headers still apply


def test_a_change_is_seen_at_once(dialog, posted, user):
    path = dialog.url_path_on_site
    _get(path), _get(path)
    services.submit_contribution(dialog, post_data(title="Trinkbrunnen am Markt"), user=user)
    response, queries = _get(path)
    assert "Trinkbrunnen am Markt" in response.content.decode() and queries > 1


def test_what_wagtail_would_refuse_goes_to_wagtail(dialog, posted):
    path = dialog.url_path_on_site + f"beitrag/{posted.pk}/"
    _get(path), _get(path)
    restriction = PageViewRestriction.objects.create(
        page=dialog.get_parent(), restriction_type=PageViewRestriction.PASSWORD, password="geheim")
    response, _n = _get(path)
    assert "Schattige Bänke" not in response.content.decode()  # Wagtail's password form
    restriction.delete()
    assert "Schattige Bänke" in _get(path)[0].content.decode()
    dialog = DialogPage.objects.get(pk=dialog.pk)
    dialog.unpublish()
    assert _get(path)[0].status_code == 404


def test_moved_and_closed_dialogs_are_not_served_from_old_entries(dialog, posted):
    path = dialog.url_path_on_site
    _get(path), _get(path)
    page = DialogPage.objects.get(pk=dialog.pk)
    page.slug = "neuer-name"
    page.save_revision().publish()
    assert _get(path)[0].status_code == 404
    new_path = DialogPage.objects.get(pk=dialog.pk).url_path_on_site
    _get(new_path)
    assert 'class="status status-open"' in _get(new_path)[0].content.decode()
    # The period ends: the cached "open" page is not served for a closed dialog.
    DialogPage.objects.filter(pk=dialog.pk).update(
        ends_at=timezone.now() - timezone.timedelta(seconds=1),
        closes_at=timezone.now() - timezone.timedelta(seconds=1),
        starts_at=timezone.now() - timezone.timedelta(days=2))
    closed = _get(new_path)[0].content.decode()
    assert 'class="status status-closed"' in closed and "status-open" not in closed


def test_visitors_with_a_session_are_not_served_the_shared_page(dialog, posted, user):
    path = dialog.url_path_on_site
    _get(path), _get(path)
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200 and len(queries) > 1
    assert "/konto/logout/" in response.content.decode()


def test_members_share_the_dialog_page_but_keep_their_own_thread(dialog, posted, user, other):
    services.rate(posted, other, 1)
    path = dialog.url_path_on_site
    thread = path + f"beitrag/{posted.pk}/"
    member = Client(HTTP_HOST=HOST)
    member.force_login(other)
    member.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = member.get(path)
    assert response.status_code == 200 and "/konto/logout/" in response.content.decode()
    assert len(queries) <= 5  # session, user, verified address, the one check (no routing)
    assert f"{path}beitragen/" in response.content.decode()  # a verified member may post
    # Another member gets the same shared page, with a token of their own.
    second = Client(HTTP_HOST=HOST)
    second.force_login(user)
    assert second.get(path).status_code == 200
    # The thread shows each member their own rating.
    page = member.get(thread).content.decode()
    assert page.count('aria-pressed="true"') == 1
    assert second.get(thread).content.decode().count('aria-pressed="true"') == 0


def test_an_editors_preview_never_enters_the_shared_caches(dialog, posted, user):
    from django.test import RequestFactory

    path = dialog.url_path_on_site
    member = Client(HTTP_HOST=HOST)
    member.force_login(user)
    member.get(path), member.get(path)
    draft = DialogPage.objects.get(pk=dialog.pk)
    draft.question = "Entwurf, noch nicht veröffentlicht"
    cookie = "; ".join(f"{k}={v.value}" for k, v in member.cookies.items())
    original = RequestFactory(HTTP_HOST=HOST).get(path, HTTP_COOKIE=cookie)
    preview = draft.make_preview_request(original_request=original)
    assert "Entwurf, noch nicht veröffentlicht" in preview.render().content.decode()
    for client in (member, Client(HTTP_HOST=HOST)):
        assert "Entwurf, noch nicht veröffentlicht" not in client.get(path).content.decode()


def test_odd_query_values_are_answered_not_shared(dialog, posted):
    path = dialog.url_path_on_site
    for query in ("?seite=²", "?kategorie=¹", "?seite=1&seite=2", "?sortierung=<b>"):
        response, _n = _get(path + query)
        assert response.status_code == 200, query
        response, queries = _get(path + query)
        assert queries > 1, query  # never from the shared page
    assert _get(path)[0]["Cache-Control"] == "private"


def _thread_part(html):
    """The page's main part (messages stand above it), without the per-request token
    and challenge."""
    html = html[html.index("<main"):].split("</main>")[0]
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "TOKEN", html)
    return re.sub(r'value="[^"]*" data-pow="challenge"', "CHALLENGE", html)


def _challenge(html):
    return unescape(re.search(r'<input type="hidden" name="[^"]*" value="([^"]*)" '
                              r'data-pow="challenge"', html).group(1))


def test_a_members_thread_comes_without_routing_with_their_own_places(dialog, posted, user,
                                                                       other):
    comment = services.submit_comment(posted, post_data(text="Gute Idee!"), user=other)
    services.rate(posted, other, 1)
    services.rate(comment, user, -1)
    thread = dialog.url_path_on_site + f"beitrag/{posted.pk}/"
    author, rater = Client(HTTP_HOST=HOST), Client(HTTP_HOST=HOST)
    author.force_login(user)
    rater.force_login(other)
    author.get(thread), rater.get(thread)
    pages = {}
    for name, client in (("author", author), ("rater", rater)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(thread)
        assert response.status_code == 200 and response["Cache-Control"] == "private"
        # session, user, verified address, the one check, the member's ratings
        assert len(queries) <= 5, [q["sql"][:80] for q in queries.captured_queries]
        pages[name] = response.content.decode()
    own_edit = f"beitrag/{posted.pk}/bearbeiten/"
    assert own_edit in pages["author"] and own_edit not in pages["rater"]
    assert f"beitrag/{comment.pk}/bearbeiten/" in pages["rater"]
    assert f'id="r{posted.pk}s" value="0" aria-pressed="true"' in pages["rater"]
    assert f'id="r{comment.pk}o" value="0" aria-pressed="true"' in pages["author"]
    assert pages["author"].count('aria-pressed="true"') == 1
    assert pages["rater"].count('aria-pressed="true"') == 1
    # Every request gets a challenge of its own, validly signed.
    again = rater.get(thread).content.decode()
    first, second = _challenge(pages["rater"]), _challenge(again)
    assert first != second and json.loads(second)["signature"]
    # A withdrawn rating is seen at once.
    services.rate(posted, other, 0)
    assert rater.get(thread).content.decode().count('aria-pressed="true"') == 0


def test_a_members_kept_page_is_the_page_rendered_for_them_alone(dialog, posted, user, other):
    services.submit_comment(posted, post_data(text="Ich stimme zu."), user=user)
    thread = dialog.url_path_on_site + f"beitrag/{posted.pk}/"
    member = Client(HTTP_HOST=HOST)
    member.force_login(user)
    # A rating leaves a message: the next page is rendered for this member alone.
    member.post(thread + "bewerten/", {"value": "1"})
    alone = member.get(thread).content.decode()
    assert "Sie stimmen diesem Beitrag zu" in alone
    member.get(thread)
    kept = member.get(thread).content.decode()
    assert "Sie stimmen diesem Beitrag zu" not in kept
    assert _thread_part(kept) == _thread_part(alone)


def test_the_token_on_a_members_kept_page_is_accepted(dialog, posted, other):
    thread = dialog.url_path_on_site + f"beitrag/{posted.pk}/"
    member = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    member.force_login(other)
    member.get(thread)
    html = member.get(thread).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = member.post(thread + "bewerten/", {"value": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert posted.ratings.get(user=other).value == 1


def test_in_email_mode_a_first_visitor_gets_the_comment_form_with_a_challenge_of_their_own(
        dialog, posted):
    DialogPage.objects.filter(pk=dialog.pk).update(participation_mode="email")
    page = DialogPage.objects.get(pk=dialog.pk)
    page.save_revision().publish()
    thread = page.url_path_on_site + f"beitrag/{posted.pk}/"
    _get(thread)  # builds the page (and, the tenant's first form, its spam settings row)
    _get(thread)
    with CaptureQueriesContext(connection) as captured:
        first = Client(HTTP_HOST=HOST).get(thread)
    second, _n = _get(thread)
    assert len(captured) == 1, [q["sql"][:90] for q in captured.captured_queries]
    html = first.content.decode()
    assert 'name="email"' in html and 'name="privacy_consent"' in html  # the e-mail form
    assert _challenge(html) != _challenge(second.content.decode())
    assert "/bewerten/" not in html  # rating needs an account: counts only


def test_a_changed_site_root_is_seen(dialog, posted, settings):
    from wagtail.models import Site

    path = dialog.url_path_on_site
    _get(path), _get(path)
    site = Site.objects.get(is_default_site=True)
    authority = DialogPage.objects.get(pk=dialog.pk).get_parent()
    # In this process: saving the Site forgets the remembered addresses at once.
    site.root_page = authority
    site.save()
    assert _get(path)[0].status_code == 404
    assert _get(f"/{dialog.slug}/")[0].status_code == 200


def test_remembered_addresses_are_trusted_for_tenant_cache_seconds_only(dialog, posted,
                                                                        settings):
    """A Site saved by another process is seen after TENANT_CACHE_SECONDS, like every
    other per-process cache of the Site."""
    path = dialog.url_path_on_site
    _get(path), _get(path)
    assert _get(path)[1] == 1
    settings.TENANT_CACHE_SECONDS = 0
    fastpath.clear()
    _get(path)
    response, queries = _get(path)
    assert response.status_code == 200 and queries > 1
