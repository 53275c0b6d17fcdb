"""Signed links to a registration (status page, confirmation, cancellation, ticket): the
token is signed with a salt that names the tenant (participation/links.py), so a link of
one portal is invalid at every other."""

from django.utils.translation import gettext as _

from beteiligung.participation import links as core_links

from .. import page_cache
from ..models import Registration
from .errors import LinkInvalid

LINK_PURPOSE = "events.registration"  # the tenant is in the salt too (links.py)


def signed_token(registration):
    return core_links.sign(LINK_PURPOSE, registration.token)


def registration_from_link(value):
    token = core_links.unsign(LINK_PURPOSE, value)
    if token is None:
        raise LinkInvalid(_("This link is invalid. Please use the complete link from your "
                            "e-mail."))
    registration = Registration.objects.filter(token=token).first()
    if registration is None or registration.anonymized_at:
        raise LinkInvalid(_("This registration no longer exists."))
    # The event as of its current version, from the per-process cache (one small query).
    found = page_cache.lookup(registration.event_id)
    if found is None:
        raise LinkInvalid(_("This registration no longer exists."))
    registration.event = found.page
    return registration
