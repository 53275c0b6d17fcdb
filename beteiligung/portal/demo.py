"""``beteiligung demo``: two demo tenants with German content. Idempotent."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django_tenants.utils import schema_context

from beteiligung.participation import registry
from beteiligung.portal.authorities import create_authority
from beteiligung.portal.pages import AuthorityPage, HomePage
from tenants.models import Tenant
from tenants.services import create_tenant

DEMO_TENANTS = [
    {
        "schema": "sachsen",
        "name": "Beteiligungsportal Sachsen",
        "domain": "sachsen.localhost",
        "short_name": "Sachsen",
        "branding": {"primary_color": "#007a3d", "accent_color": "#f5d000",
                     "coat_of_arms": "SN", "tagline": "Mitreden in Sachsen"},
        "intro": "<p>Hier können Sie sich an Vorhaben des Freistaates Sachsen und seiner "
                 "Kommunen beteiligen: in Online-Dialogen, mit Stellungnahmen zu Entwürfen "
                 "und bei Veranstaltungen.</p>",
        "authorities": [
            ("Sächsisches Staatsministerium für Regionalentwicklung", "SMR"),
            ("Stadt Leipzig", "Leipzig"),
        ],
    },
    {
        "schema": "nrw",
        "name": "Beteiligungsportal Nordrhein-Westfalen",
        "domain": "nrw.localhost",
        "short_name": "NRW",
        "branding": {"primary_color": "#b3001b", "accent_color": "#00843d",
                     "coat_of_arms": "NRW", "tagline": "Gemeinsam NRW gestalten"},
        "intro": "<p>Das Beteiligungsportal des Landes Nordrhein-Westfalen: Sagen Sie uns Ihre "
                 "Meinung zu Gesetzentwürfen, Planungen und Vorhaben der Landesregierung.</p>",
        "authorities": [
            ("Ministerium für Heimat, Kommunales, Bau und Digitalisierung", "MHKBD"),
            ("Stadt Köln", "Köln"),
        ],
    },
]


def _ensure_tenant(spec):
    tenant = Tenant.objects.filter(schema_name=spec["schema"]).first()
    if tenant is None:
        tenant = create_tenant(
            spec["schema"], spec["name"], spec["domain"], short_name=spec["short_name"],
            admin_email=f"admin@{spec['domain']}", branding=spec["branding"],
        ).tenant
    with schema_context(tenant.schema_name):
        home = HomePage.objects.first()
        if home.intro != spec["intro"]:
            home.intro = spec["intro"]
            home.save_revision().publish()
        for name, short in spec["authorities"]:
            if not AuthorityPage.objects.filter(title=name).exists():
                create_authority(name, short_name=short)
        # Every module's demo content (registry.py): per tenant, inside its schema, on
        # every run, so each must be idempotent.
        for hook in registry.demo_content_hooks():
            hook(tenant, spec)
    return tenant


@transaction.atomic
def _demo_editor(tenant, spec):
    """(Re)set the demo editor: a fresh password and second factor on every run."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    email = f"redaktion@{spec['domain']}"
    user, _ = get_user_model().objects.get_or_create(
        username=email, defaults={"email": email, "first_name": "Demo", "last_name": "Redaktion"}
    )
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    authority = AuthorityPage.objects.order_by("path").first()
    user.groups.add(authority.editor_group)
    Authenticator.objects.filter(user=user).delete()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return email, password, secret, codes[:3], authority.title


def run_demo(port=8000):
    call_command("setup_portal", verbosity=0)
    lines = ["", "Beteiligungsportal demo", "======================="]
    lines.append(f"Platform page:   http://localhost:{port}/")
    for spec in DEMO_TENANTS:
        tenant = _ensure_tenant(spec)
        with schema_context(tenant.schema_name):
            email, password, secret, codes, authority = _demo_editor(tenant, spec)
        base = f"http://{spec['domain']}:{port}"
        lines += [
            "",
            f"{spec['name']}",
            f"  Portal:        {base}/",
            f"  Editing area:  {base}/admin/   (editor of: {authority})",
            f"  E-mail:        {email}",
            f"  Password:      {password}",
            f"  Second factor: TOTP secret {secret} (add it to an authenticator app)",
            f"                 or one of the recovery codes {', '.join(codes)}",
            f"  Demo outbox:   {base}/demo/postausgang/  (e-mails are kept here, not sent)",
        ]
    lines.append("")
    lines.append("Passwords and codes are new on every run of 'beteiligung demo'.")
    return "\n".join(lines)
