"""What tenant A holds is not visible, loginable or downloadable at tenant B."""

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import tenant_context

from .factories import PASSWORD, home_page, make_user


def test_page_of_a_is_not_served_at_b(tenant_a, client_a, client_b):
    from beteiligung.models import StandardPage

    with tenant_context(tenant_a):
        home_page().add_child(
            instance=StandardPage(title="Nur in Alpha", slug="nur-alpha", body="<p>Alpha</p>")
        )
    assert client_a.get("/nur-alpha/").status_code == 200
    response = client_b.get("/nur-alpha/")
    assert response.status_code == 404
    assert b"Nur in Alpha" not in response.content


def test_user_of_a_cannot_log_in_at_b(tenant_a, client_a, client_b):
    with tenant_context(tenant_a):
        make_user("buerger@example.org")
    data = {"login": "buerger@example.org", "password": PASSWORD}
    assert client_a.post("/konto/login/", data).status_code == 302
    assert client_a.get("/konto/email/").status_code == 200
    response = client_b.post("/konto/login/", data)
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client_b.session
    assert client_b.get("/konto/email/").status_code == 302  # to the login page


def test_session_cookie_of_a_does_not_authenticate_at_b(tenant_a, client_a, client_b):
    with tenant_context(tenant_a):
        make_user("buerger@example.org")
    client_a.post("/konto/login/", {"login": "buerger@example.org", "password": PASSWORD})
    session_cookie = client_a.cookies["sessionid"]
    assert not session_cookie["domain"], "session cookies must be host-only"
    client_b.cookies["sessionid"] = session_cookie.value
    response = client_b.get("/konto/email/")
    assert response.status_code == 302
    assert "/konto/login/" in response["Location"]


def test_media_file_of_a_is_not_downloadable_at_b(tenant_a, tenant_b, client_a, client_b):
    with tenant_context(tenant_a):
        name = default_storage.save("original_images/geheim.txt", ContentFile(b"nur fuer alpha"))
        url = default_storage.url(name)
    try:
        assert url.startswith("/media/alpha/")
        path = url.removeprefix("/media/")
        response = client_a.get(f"/media/{path}")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"nur fuer alpha"
        # B can neither reach it under A's URL nor under its own prefix.
        assert client_b.get(f"/media/{path}").status_code == 404
        assert client_b.get(url).status_code == 404
        assert client_b.get("/media/../alpha/" + path.removeprefix("alpha/")).status_code == 404
    finally:
        with tenant_context(tenant_a):
            default_storage.delete(name)


def test_cache_entry_of_a_is_not_read_under_b(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        cache.set("haushalt", "alpha-wert")
        assert cache.get("haushalt") == "alpha-wert"
    with tenant_context(tenant_b):
        assert cache.get("haushalt") is None
        cache.set("haushalt", "beta-wert")
    with tenant_context(tenant_a):
        assert cache.get("haushalt") == "alpha-wert"


def test_wagtail_site_root_paths_are_per_tenant(tenant_a, tenant_b, client_a, client_b):
    """Wagtail caches site root paths; each tenant must get its own."""
    assert b"Land Alpha" in client_a.get("/").content
    response = client_b.get("/")
    assert b"Land Beta" in response.content
    assert b"Land Alpha" not in response.content


def test_restricted_document_is_not_served_as_a_media_file(tenant_a, client_a):
    """A document of a collection with a login restriction is reachable only through
    Wagtail's serve view, which checks the restriction; public documents still download."""
    from wagtail.documents.models import Document
    from wagtail.models import Collection, CollectionViewRestriction

    with tenant_context(tenant_a):
        root = Collection.get_first_root_node()
        intern = root.add_child(name="Intern")
        CollectionViewRestriction.objects.create(
            collection=intern, restriction_type=CollectionViewRestriction.LOGIN
        )
        secret = Document(title="Vermerk", collection=intern)
        secret.file.save("vermerk.html", ContentFile(b"<p>nur intern</p>"))
        public = Document(title="Flyer", collection=root)
        public.file.save("flyer.txt", ContentFile(b"oeffentlich"))
        media_url, public_media_url = secret.file.url, public.file.url
    try:
        assert media_url.startswith("/media/alpha/documents/")
        assert client_a.get(media_url).status_code == 404
        response = client_a.get(secret.url)
        assert secret.url.startswith("/dokumente/")
        assert response.status_code == 302 and "login" in response["Location"]  # asks for login
        assert client_a.get(public_media_url).status_code == 404  # documents only via the view
        response = client_a.get(public.url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"oeffentlich"
    finally:
        with tenant_context(tenant_a):
            secret.file.delete(save=False)
            public.file.delete(save=False)
