from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeteiligungConfig(AppConfig):
    name = "beteiligung"
    verbose_name = _("Participation portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tenants.signals import tenant_provisioned

        from .provisioning import provision_portal

        tenant_provisioned.connect(provision_portal, dispatch_uid="beteiligung.provision_portal")

        from .site_cache import connect_signals

        connect_signals()

        from wagtail.signals import post_page_move

        post_page_move.connect(_page_moved, dispatch_uid="beteiligung.reassign_authorities")

        from . import tasks
        from .scheduler import register_periodic

        # Pages and snippets with a go-live or expiry time, in every tenant, every minute.
        register_periodic(tasks.publish_scheduled, seconds=60)


def _page_moved(sender, instance, **kwargs):
    from .models import reassign_authorities

    reassign_authorities(instance.path)
