"""Authorities inside a tenant: their own part of the page tree and editor group."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Site

from beteiligung.participation.pages import ProcedurePage, ancestor_paths
from beteiligung.portal.pages import AuthorityPage, HomePage

PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"), ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"), ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"), ("wagtaildocs", "choose_document"),
]


class AuthorityError(Exception):
    pass


def editor_group_name(name):
    return f"Redaktion {name}"[:150]


@transaction.atomic
def create_authority(name, *, short_name="", email="", slug=None):
    """Create an authority page under the home page, with an editor group that may
    edit, publish and upload only there."""
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise AuthorityError("Eine Behörde braucht einen Namen mit 1 bis 255 Zeichen.")
    home = HomePage.objects.filter(
        pk__in=Site.objects.filter(is_default_site=True).values("root_page")
    ).first() or HomePage.objects.first()
    if home is None:
        raise AuthorityError("Diese Instanz hat noch keine Startseite.")
    slug = slugify(slug or short_name or name)[:200] or "behoerde"
    if home.get_children().filter(slug=slug).exists():
        raise AuthorityError(f"Es gibt bereits eine Seite mit der Adresse „{slug}“.")
    if Group.objects.filter(name=editor_group_name(name)).exists():
        raise AuthorityError(f"Es gibt bereits eine Redaktionsgruppe für „{name}“.")

    page = home.add_child(
        instance=AuthorityPage(title=name, slug=slug, short_name=short_name, email=email)
    )
    group = Group.objects.create(name=editor_group_name(name))
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    for codename in PAGE_PERMISSIONS:
        GroupPagePermission.objects.create(
            group=group, page=page,
            permission=Permission.objects.get(content_type__app_label="wagtailcore",
                                              codename=codename),
        )
    collection = Collection.get_first_root_node().add_child(name=name[:255])
    for app_label, codename in COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.create(
            group=group, collection=collection,
            permission=Permission.objects.get(content_type__app_label=app_label,
                                              codename=codename),
        )
    AuthorityPage.objects.filter(pk=page.pk).update(editor_group=group)
    page.editor_group = group
    return page


def reassign_authorities(path):
    """Give every procedure at or below ``path`` the authority it now stands under.

    ProcedurePage.save() sets it, but Wagtail moves a page (and its subtree) without
    saving the procedures themselves (post_page_move, see apps.py). Two queries and one
    bulk update, whatever the size of the subtree."""
    procedures = list(ProcedurePage.objects.filter(path__startswith=path).only("pk", "path", "authority"))
    if not procedures:
        return 0
    authorities = dict(AuthorityPage.objects.values_list("path", "pk"))
    changed = []
    for procedure in procedures:
        nearest = next((authorities[p] for p in reversed(ancestor_paths(procedure.path))
                        if p in authorities), None)
        if procedure.authority_id != nearest:
            procedure.authority_id = nearest
            changed.append(procedure)
    ProcedurePage.objects.bulk_update(changed, ["authority"])
    return len(changed)
