"""A participant of tenant A cannot see, rate or report anything of tenant B."""

from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from beteiligung.portal.authorities import create_authority
from modules.dialog import services
from modules.dialog.models import Post, Rating, Report

from .conftest import make_dialog, post_data


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
