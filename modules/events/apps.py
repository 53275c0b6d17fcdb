from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "modules.events"
    label = "events"
    verbose_name = _("Events")
    default_auto_field = "django.db.models.BigAutoField"
    # Plugged into the tenant URLconf by beteiligung.urls_tenant.
    urls = "modules.events.urls"
    url_prefix = "veranstaltungen/"

    def ready(self):
        from beteiligung.demo import DEMO_CONTENT_HOOKS
        from beteiligung.scheduler import register_periodic

        from . import signals, tasks  # noqa: F401 - signals connect on import
        from .demo import ensure_demo_events

        if ensure_demo_events not in DEMO_CONTENT_HOOKS:
            DEMO_CONTENT_HOOKS.append(ensure_demo_events)
        register_periodic(tasks.expire_holds, seconds=60)
        register_periodic(tasks.apply_retention, seconds=3600)
