"""The events module's catalogue (modules/events/locale) must not change the German of
Wagtail, Django or allauth: Django merges every app's catalogue into one, so a generic
msgid such as "Promote" translated here ("Nachrücken lassen") renamed Wagtail's tab."""

import gettext
from pathlib import Path

from django.utils import translation

import modules.events

EVENTS_MO = Path(modules.events.__file__).parent / "locale/de/LC_MESSAGES/django.mo"


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


def test_no_events_message_without_context_collides_with_the_frameworks():
    ours = _catalog(EVENTS_MO)
    collisions = []
    for path in _other_catalogs():
        for msgid, msgstr in _catalog(path).items():
            if msgid and msgid in ours and ours[msgid] != msgstr:
                collisions.append((msgid, ours[msgid], msgstr, str(path)))
    assert not collisions, (
        "give these events messages a context (pgettext / {% translate ... context "
        f"'events' %}}): {collisions}")


def test_wagtail_admin_german_is_wagtails_own(event):
    with translation.override("de"):
        wagtail_de = _catalog(next(p for p in _other_catalogs()
                                   if "wagtail/admin/locale" in str(p)))
        # ("History" -> "Geschichte" comes from django.contrib.admin, "Next"/"Previous"
        # from the beteiligung catalogue: not this module's.)
        for word in ("Promote", "Move", "Cancel"):
            assert translation.gettext(word) == wagtail_de[word], word
        assert translation.pgettext("events", "Promote") == "Nachrücken lassen"
        assert translation.pgettext("events", "Move") == "Umbuchen"


def test_page_editor_shows_wagtails_promote_tab(event, tenant_a):
    from django.test import Client

    from ..factories import add_totp, make_user

    user = make_user("chefin@example.org", is_superuser=True, is_staff=True)
    add_totp(user)
    client = Client(HTTP_HOST="alpha.localhost")
    client.force_login(user)
    content = client.get(f"/admin/pages/{event.pk}/edit/").content.decode()
    with translation.override("de"):
        promote = translation.gettext("Promote")
    assert promote != "Nachrücken lassen"
    assert f">{promote}<" in content.replace("\n", "").replace("  ", "") or promote in content
    assert "Nachrücken lassen" not in content
