"""The portal's catalogues (modules/*/locale, beteiligung/locale) must not change the German
of Wagtail, Django or allauth: Django merges every app's catalogue into one, so a generic
msgid such as "Promote" translated by the events module ("Nachrücken lassen") renamed
Wagtail's tab."""

import gettext
from pathlib import Path

import pytest
from django.utils import translation

import beteiligung
import modules

EVENTS_MO = Path(modules.__file__).parent / "events/locale/de/LC_MESSAGES/django.mo"
PORTAL_MO = Path(beteiligung.__file__).parent / "locale/de/LC_MESSAGES/django.mo"
OUR_CATALOGS = [PORTAL_MO, *sorted(Path(modules.__file__).parent.glob("*/locale/de/LC_MESSAGES/django.mo"))]
# Deliberate: the portal's catalogue settles a disagreement between the frameworks
# (Django's admin says "Geschichte" for Wagtail's page history, Wagtail "Historie").
DELIBERATE = {(PORTAL_MO, "History")}


def _catalog(path):
    with open(path, "rb") as file:
        return gettext.GNUTranslations(file)._catalog


def _other_catalogs():
    import allauth
    import django
    import wagtail

    for package in (wagtail, django, allauth):
        root = Path(package.__file__).parent
        yield from root.glob("**/locale/de/LC_MESSAGES/django.mo")


@pytest.mark.parametrize("catalog", OUR_CATALOGS, ids=lambda path: path.parts[-5])
def test_no_message_without_context_collides_with_the_frameworks(catalog):
    ours = _catalog(catalog)
    collisions = []
    for path in _other_catalogs():
        for msgid, msgstr in _catalog(path).items():
            if msgid and msgid in ours and ours[msgid] != msgstr and (catalog, msgid) not in DELIBERATE:
                collisions.append((msgid, ours[msgid], msgstr, str(path)))
    assert not collisions, (
        "give these events messages a context (pgettext / {% translate ... context "
        f"'events' %}}): {collisions}")


def test_wagtail_admin_german_is_wagtails_own(event):
    with translation.override("de"):
        wagtail_de = _catalog(next(p for p in _other_catalogs()
                                   if "wagtail/admin/locale" in str(p)))
        for word in ("Promote", "Move", "Cancel", "History", "Next", "Previous"):
            assert translation.gettext(word) == wagtail_de[word], word
        assert translation.pgettext("events", "Promote") == "Nachrücken lassen"
        assert translation.pgettext("events", "Move") == "Umbuchen"


def test_page_editor_shows_wagtails_promote_tab(event, tenant_a):
    from django.test import Client

    from ..factories import add_totp, login_with_second_factor, make_user

    user = make_user("chefin@example.org", is_superuser=True, is_staff=True)
    add_totp(user)
    client = Client(HTTP_HOST="alpha.localhost")
    login_with_second_factor(client, user)
    content = client.get(f"/admin/pages/{event.pk}/edit/").content.decode()
    with translation.override("de"):
        promote = translation.gettext("Promote")
    assert promote != "Nachrücken lassen"
    assert f">{promote}<" in content.replace("\n", "").replace("  ", "") or promote in content
    assert "Nachrücken lassen" not in content


def test_the_portals_own_catalogues_agree_with_each_other():
    """One German per message across the portal and its modules: Django uses the first
    catalogue that has a message, so a second translation elsewhere is silently lost
    (the events' e-mail error once came out in the dialog's wording)."""
    seen, conflicts = {}, []
    for path in OUR_CATALOGS:
        for msgid, msgstr in _catalog(path).items():
            if msgid and msgid in seen and seen[msgid][1] != msgstr:
                conflicts.append((msgid, seen[msgid], (str(path), msgstr)))
            seen.setdefault(msgid, (str(path), msgstr))
    assert not conflicts, conflicts
