"""``beteiligung tenant ...``: provisioning and administration of tenants."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from tenants import services
from tenants.services import ProvisioningError


class Command(BaseCommand):
    help = "Create, list, deactivate and delete tenants; add authorities; configure OIDC."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a tenant (cloned from the template)")
        create.add_argument("--schema", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--domain", required=True)
        create.add_argument("--short-name", default="")
        create.add_argument("--admin-email", default=None)
        create.add_argument("--primary-color", default=None)
        sub.add_parser("list", help="list tenants")
        for action in ("deactivate", "activate"):
            sub.add_parser(action).add_argument("--schema", required=True)
        delete = sub.add_parser("delete", help="delete a tenant with all its data")
        delete.add_argument("--schema", required=True)
        delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        authority = sub.add_parser("add-authority", help="create an authority with editor group")
        authority.add_argument("--schema", required=True)
        authority.add_argument("--name", required=True)
        authority.add_argument("--short-name", default="")
        authority.add_argument("--email", default="")
        oidc = sub.add_parser("configure-oidc", help="add or update an OpenID Connect provider")
        oidc.add_argument("--schema", required=True)
        oidc.add_argument("--provider-id", required=True, help="e.g. servicekonto")
        oidc.add_argument("--name", required=True, help="button label, e.g. 'Servicekonto NRW'")
        oidc.add_argument("--server-url", required=True, help="issuer URL (checked before saving)")
        oidc.add_argument("--client-id", required=True)
        oidc.add_argument("--secret", required=True)

    def handle(self, *args, **options):
        try:
            getattr(self, "do_" + options["action"].replace("-", "_"))(options)
        except ProvisioningError as error:
            raise CommandError(str(error)) from None

    def do_create(self, options):
        branding = {}
        if options["primary_color"]:
            branding["primary_color"] = options["primary_color"]
        result = services.create_tenant(
            options["schema"], options["name"], options["domain"],
            short_name=options["short_name"], admin_email=options["admin_email"],
            branding=branding,
        )
        tenant = result.tenant
        self.stdout.write(
            f"Created tenant {tenant.schema_name} ({tenant.name}) at {tenant.base_url()}/ "
            f"in {result.seconds:.2f} s"
        )
        if "password_link" in result.details:
            self.stdout.write(
                f"Administrator {result.details['admin']}: set the password once at\n"
                f"  {result.details['password_link']}\n(the link was also sent by e-mail)"
            )

    def do_list(self, options):
        tenants = services.list_tenants()
        if not tenants:
            self.stdout.write("No tenants yet.")
        for tenant in tenants:
            domains = ", ".join(d.domain for d in tenant.domains.all())
            state = "active" if tenant.is_active else "INACTIVE"
            self.stdout.write(f"{tenant.schema_name:<20} {state:<9} {tenant.name} [{domains}]")

    def do_deactivate(self, options):
        tenant = services.set_active(options["schema"], False)
        self.stdout.write(f"Deactivated {tenant.schema_name}: its hosts answer 503 (maintenance).")

    def do_activate(self, options):
        tenant = services.set_active(options["schema"], True)
        self.stdout.write(f"Activated {tenant.schema_name}.")

    def do_delete(self, options):
        tenant = services.get_tenant(options["schema"])
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("Refusing to delete without confirmation: pass --yes.")
            answer = input(
                f"Delete tenant {tenant.name} ({tenant.schema_name}) with ALL its data? "
                f"Type the schema name to confirm: "
            )
            if answer.strip() != tenant.schema_name:
                raise CommandError("Not confirmed; nothing was deleted.")
        services.delete_tenant(tenant.schema_name)
        self.stdout.write(f"Deleted tenant {tenant.schema_name}.")

    def do_add_authority(self, options):
        from beteiligung.portal.authorities import AuthorityError, create_authority

        tenant = services.get_tenant(options["schema"])
        with schema_context(tenant.schema_name):
            try:
                page = create_authority(
                    options["name"], short_name=options["short_name"], email=options["email"]
                )
            except AuthorityError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"Created authority {page.title} at {page.url_path} with the editor group "
                f"'{page.editor_group.name}'."
            )

    def do_configure_oidc(self, options):
        from beteiligung.portal.accounts import OIDCConfigurationError, configure_oidc

        tenant = services.get_tenant(options["schema"])
        with schema_context(tenant.schema_name):
            try:
                app, created = configure_oidc(
                    options["provider_id"], options["name"], options["server_url"],
                    options["client_id"], options["secret"],
                )
            except OIDCConfigurationError as error:
                raise CommandError(f"Nothing saved: {error}") from None
        verb = "Added" if created else "Updated"
        self.stdout.write(
            f"{verb} OpenID Connect provider {options['provider_id']} for {tenant.schema_name} "
            f"(issuer {app.settings['server_url']}). "
            f"Redirect URI: {tenant.base_url()}/konto/oidc/{options['provider_id']}/login/callback/"
        )
