from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialogConfig(AppConfig):
    name = "modules.dialog"
    label = "dialog"
    verbose_name = _("Dialogues")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from beteiligung.participation import registry

        from . import fastpath, retention
        from .demo import ensure_demo_dialogs
        from .pages import DialogPage

        registry.register(registry.Module(
            label=self.label,
            page_models=(DialogPage,),
            urls="modules.dialog.urls",
            url_prefix="dialoge/",
            demo_content=ensure_demo_dialogs,
            fast_path=fastpath.serve,
            retention=retention.apply_retention,
        ))
