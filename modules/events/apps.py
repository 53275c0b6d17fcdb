from django.utils.translation import gettext_lazy as _

from beteiligung.participation import registry


class EventsConfig(registry.ModuleConfig):
    name = "modules.events"
    label = "events"
    verbose_name = _("Events")
    url_prefix = "veranstaltungen/"

    def plug_in(self):
        from . import exports, services, signals, tasks  # noqa: F401 - signals connect on import
        from .demo import ensure_demo_events
        from .models import EventPage

        return dict(page_models=(EventPage,), periodic=(registry.PeriodicTask(tasks.expire_holds, 60),),
                    demo_content=ensure_demo_events, retention=services.apply_retention,
                    exports=exports.TABLES)
