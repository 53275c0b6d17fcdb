"""A participant of tenant A cannot see, rate or report anything of tenant B; every
route of the dialog module, tried with tenant A's ids at tenant B, finds nothing."""

import re

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from beteiligung.portal.authorities import create_authority
from modules.dialog import services
from modules.dialog.models import Block, Post, Rating, Report

from .conftest import make_dialog, make_post, post_data
from .routes import ADMIN_ROUTES, ROUTES, SECRETS, dialog_of_a, ids_after, route_id


def test_tenant_a_cannot_reach_posts_of_tenant_b(dialog, user, tenant_a, tenant_b):
    from ..factories import make_user

    with tenant_context(tenant_b):
        authority = create_authority("Landkreis Beta")
        dialog_b = make_dialog(authority, title="Radwege im Landkreis")
        author_b = make_user("berta@example.org")
        post_b = services.submit_contribution(dialog_b, post_data(title="Geheim B", text="nur B"),
                                              user=author_b)
        path_b = dialog_b.url_path_on_site
    connection.set_tenant(tenant_a)
    client = Client(HTTP_HOST="alpha.localhost")
    client.force_login(user)
    base_a = dialog.url_path_on_site
    # B's dialog under A's host, and B's post id under A's dialog: not found.
    assert client.get(path_b).status_code == 404
    assert client.get(f"{path_b}beitrag/{post_b.pk}/").status_code == 404
    assert not Post.objects.filter(pk=post_b.pk).exists()  # A's schema has no such post
    for suffix, method in (("", "get"), ("antworten/", "get"), ("melden/", "get"),
                           ("bewerten/", "post"), ("melden/", "post"), ("antworten/", "post")):
        response = getattr(client, method)(f"{base_a}beitrag/{post_b.pk}/{suffix}",
                                           {"value": "1", "reason": "x", "text": "x"})
        assert response.status_code == 404, (suffix, method)
    page_a = client.get(base_a).content.decode()
    assert "Geheim B" not in page_a
    with tenant_context(tenant_b):
        post = Post.objects.get(pk=post_b.pk)
        assert (post.support_count, post.reply_count, post.report_count) == (0, 0, 0)
        assert not Rating.objects.exists() and not Report.objects.exists()
        assert Post.objects.count() == 1
    connection.set_tenant(tenant_a)


def test_signed_links_of_one_tenant_are_invalid_at_another(dialog, tenant_a, tenant_b):
    dialog.participation_mode = "email"
    dialog.save_revision().publish()
    post = services.submit_contribution(dialog, post_data(name="Erika", email="e@example.org",
                                                          privacy_consent=True))
    signed = services.confirm_link(post)
    response = Client(HTTP_HOST="beta.localhost").get(f"/dialoge/bestaetigen/{signed}/")
    assert response.status_code == 404
    connection.set_tenant(tenant_a)
    post.refresh_from_db()
    assert post.visibility == "unconfirmed"


# --- Every route, with A's ids, at B -----------------------------------------------------

@pytest.fixture
def a_and_b(tenant_a, tenant_b, settings):
    """A's dialog (``DialogOfA``), and at B: a dialog of its own (other slugs, ids after
    A's), an anonymous visitor and a logged-in editor with a second factor (a superuser:
    what B refuses, it refuses for want of the row, not of a permission)."""
    from wagtail.models import Page

    from ..factories import add_totp, login_with_second_factor, make_user

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # set-up speed
    a = dialog_of_a(tenant_a)
    with tenant_context(tenant_b):
        ids_after(Page, a.dialog.pk)
        ids_after(Post, max(a.values["post"], a.values["own"]) + 10)
        ids_after(Block, a.block.pk)
        dialog_b = make_dialog(create_authority("Landkreis Beta"), title="Radwege im Landkreis")
        own_b = make_post(dialog_b, "Text von Beta", title="Beitrag von Beta")
        Block.objects.create(dialog=dialog_b, email_key="x@beta.example")
        editor = make_user("redaktion@beta.example", is_superuser=True, is_staff=True)
        add_totp(editor)
        client = Client(HTTP_HOST="beta.localhost")
        login_with_second_factor(client, editor)
        b_values = {"dialog": dialog_b.url_path_on_site, "page": dialog_b.pk}
        assert own_b.pk not in (a.values["post"], a.values["own"])
    return a, b_values, {"anonymous": Client(HTTP_HOST="beta.localhost"), "editor": client}


def _request(client, method, path):
    return client.get(path) if method == "GET" else client.post(
        path, {"title": "x", "text": "x", "reason": "x", "value": "1", "name": "x",
               "email": "x@example.org", "privacy_consent": "on"})


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_every_dialog_route_with_ids_of_a_is_not_found_at_b(route, a_and_b, tenant_a, tenant_b):
    """A's page paths, A's post and block ids under B's own dialog, A's signed links, A's
    page id in B's admin: not found (the admin's login page for an anonymous visitor),
    nothing of A in the answer, nothing of A changed."""
    a, b_values, clients = a_and_b
    method, template = route
    paths = {template.format(**a.values)}
    if any(name in template for name in ("{post}", "{own}", "{block}")):
        paths.add(template.format(**(a.values | b_values)))  # B's dialog, A's numbers
    with tenant_context(tenant_a):
        before = a.counts()
    connection.set_tenant(tenant_b)
    for path in sorted(paths):
        for who, client in clients.items():
            response = _request(client, method, path)
            content = response.content.decode(errors="replace")
            leaked = [secret for secret in SECRETS if secret in content]
            assert not leaked, (who, path, leaked)
            if path == "/dialoge/netiquette/":  # every portal has it; no id in it
                assert response.status_code == 200, (who, path)
            elif path.startswith("/admin/") and who == "anonymous":
                assert response.status_code == 302, (who, path)
                assert response["Location"].startswith("/konto/login/?next=/admin/"), (who, path)
            else:
                assert response.status_code == 404, (who, path, response.status_code)
    with tenant_context(tenant_a):
        assert a.counts() == before
    connection.set_tenant(tenant_a)


def test_the_route_table_is_complete(db):
    """Every route of the dialog module is in ROUTES: a new one fails here until the
    isolation tests try it too."""
    from beteiligung.participation.exports import FORMATS
    from modules.dialog import admin_views, exports, urls
    from modules.dialog.pages import DialogPage
    from modules.dialog.wagtail_hooks import admin_urlpatterns

    kinds_of_table = [table.key for table in exports.TABLES]
    actions, kinds, formats = ("|".join(v) for v in (admin_views.ACTIONS, kinds_of_table,
                                                       FORMATS))

    def shape(path):
        for pattern, placeholder in (
                (r"\{dialog\}", ""), (r"\{(post|own)\}", "<int:post_id>"),
                (r"\{page\}", "<int:page_id>"), (r"\{block\}", "<int:block_id>"),
                (r"\{(confirm|unsubscribe|manage)\}", "<str:signed>"),
                (rf"/({actions})/$", "/<str:action>/"),
                (rf"/({kinds})\.({formats})$", "/<str:kind>.<str:fmt>")):
            path = re.sub(pattern, placeholder, path)
        return re.sub(r"^/(dialoge|admin/dialog)/", "", path)

    tried = {shape(path) for _method, path in ROUTES}
    known = {str(p.pattern) for p in DialogPage().get_subpage_urls()}
    known |= {str(p.pattern) for p in urls.urlpatterns + admin_urlpatterns}
    assert tried == known
    actions = {path.rsplit("/", 2)[1] for _m, path in ADMIN_ROUTES if "/moderation/{post}/" in path}
    exported = {path.rsplit("/", 1)[1] for _m, path in ADMIN_ROUTES if "/export/" in path}
    assert actions == set(admin_views.ACTIONS)
    assert exported == {f"{t.key}.{f}" for t in exports.TABLES for f in FORMATS}
