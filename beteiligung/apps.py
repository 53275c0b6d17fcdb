from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeteiligungConfig(AppConfig):
    name = "beteiligung"
    verbose_name = _("Participation portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save
        from wagtail.models import Site, get_page_models
        from wagtail.signals import post_page_move

        from tenants.signals import tenant_provisioned

        from .models import PortalSettings, SpamProtectionSettings
        from .participation import cache, registry, retention
        from .portal.provisioning import provision_portal
        from .project import tasks

        tenant_provisioned.connect(provision_portal, dispatch_uid="beteiligung.provision_portal")
        # Any page save may change URLs of the pages the footer links to.
        cache.clear_on_change(Site, PortalSettings, SpamProtectionSettings, *get_page_models())
        post_page_move.connect(_page_moved, dispatch_uid="beteiligung.reassign_authorities")
        post_save.connect(_state_row, dispatch_uid="beteiligung.procedure_state")
        # The portal's own periodic work goes through the same registry as a module's.
        registry.register(registry.Module(
            label="beteiligung",
            periodic=(
                # Pages and snippets with a go-live or expiry time, every minute.
                registry.PeriodicTask(tasks.publish_scheduled, 60),
                # Every module's retention policy, hourly.
                registry.PeriodicTask(retention.run_retention, 3600),
            ),
        ))


def _page_moved(sender, instance, **kwargs):
    from .portal.authorities import reassign_authorities

    reassign_authorities(instance.path)


def _state_row(sender, instance, created=False, raw=False, **kwargs):
    """Every new procedure (created, copied, made by the demo) gets its state row at once."""
    from .models import ProcedurePage
    from .participation.state import ensure_state

    if created and not raw and isinstance(instance, ProcedurePage):
        ensure_state(instance.pk)
