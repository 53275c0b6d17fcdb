"""Setting up a new tenant's portal: site, home page, legal pages, first administrator.

Connected to ``tenants.signals.tenant_provisioned``; runs inside the new schema.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from beteiligung.participation.mail import send_mail, tenant_url
from beteiligung.portal.pages import HomePage, PortalSettings, ProcedureIndexPage, StandardPage

LEGAL_PAGES = {
    "imprint_page": ("impressum", "Impressum"),
    "privacy_page": ("datenschutz", "Datenschutzerklärung"),
    "accessibility_page": ("barrierefreiheit", "Erklärung zur Barrierefreiheit"),
}


def _placeholder(title, tenant):
    return (
        f"<p>Diese Seite ({title}) wird von der Redaktion von {tenant.name} gepflegt. "
        "Bitte ergänzen Sie die gesetzlich vorgeschriebenen Angaben.</p>"
    )


@transaction.atomic
def build_site(tenant, hostname):
    """Replace Wagtail's default welcome page with the portal's home page and site."""
    root = Page.get_first_root_node()
    for page in root.get_children():
        page.delete()
    home = root.add_child(
        instance=HomePage(
            title=tenant.name,
            slug="home",
            intro=f"<p>Willkommen auf dem Beteiligungsportal {tenant.name}.</p>",
        )
    )
    Site.objects.all().delete()
    site = Site.objects.create(
        hostname=hostname, port=80, root_page=home, is_default_site=True, site_name=tenant.name
    )
    home.add_child(
        instance=ProcedureIndexPage(title="Beteiligungsverfahren", slug="verfahren")
    )
    settings = PortalSettings.for_site(site)
    for field, (slug, title) in LEGAL_PAGES.items():
        page = home.add_child(
            instance=StandardPage(
                title=title, slug=slug, body=_placeholder(title, tenant), show_in_menus=False
            )
        )
        setattr(settings, field, page)
    settings.contact_email = tenant.contact_email
    settings.save()
    return site


def password_setup_link(user, tenant=None):
    """A one-time link on the tenant's own domain where ``user`` sets a password."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return tenant_url(path, tenant)


@transaction.atomic
def create_administrator(email, tenant):
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    user = user_model(username=email.lower()[:150], email=email.lower(), is_staff=True,
                      is_superuser=True)
    user.set_unusable_password()
    user.save()
    # Whoever follows the link in that mailbox proves the address.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    link = password_setup_link(user, tenant)
    send_mail(
        user.email,
        _("Your administrator account for %(portal)s") % {"portal": tenant.name},
        "beteiligung/email/admin_welcome",
        {"tenant": tenant, "link": link, "user": user},
    )
    return user, link


def provision_portal(sender, tenant, admin_email=None, options=None, **kwargs):
    hostname = tenant.get_primary_domain().domain
    build_site(tenant, hostname)
    details = {}
    if admin_email:
        user, link = create_administrator(admin_email, tenant)
        details.update(admin=user.email, password_link=link)
    return details
