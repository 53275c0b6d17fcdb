from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "modules.events"
    label = "events"
    verbose_name = _("Events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from beteiligung.participation import registry

        from . import services, signals, tasks  # noqa: F401 - signals connect on import
        from .demo import ensure_demo_events
        from .models import EventPage

        registry.register(registry.Module(
            label=self.label,
            page_models=(EventPage,),
            urls="modules.events.urls",
            url_prefix="veranstaltungen/",
            periodic=(registry.PeriodicTask(tasks.expire_holds, 60),),
            demo_content=ensure_demo_events,
            retention=services.apply_retention,
        ))
