"""Words whose German the portal sets over the frameworks' own (its catalogue comes
first in LOCALE_PATHS). Listed here so that makemessages keeps them."""

from django.utils.translation import gettext_noop

OVERRIDES = [
    # Translators: Django's admin catalogue says "Geschichte" for the page history,
    # and comes before Wagtail's "Historie".
    gettext_noop("History"),
]
