from django.utils.translation import gettext_lazy as _

from beteiligung.participation import registry


class DialogConfig(registry.ModuleConfig):
    name = "modules.dialog"
    label = "dialog"
    verbose_name = _("Dialogues")
    url_prefix = "dialoge/"

    def plug_in(self):
        from . import exports, fastpath, retention
        from .demo import ensure_demo_dialogs
        from .pages import DialogPage

        return dict(page_models=(DialogPage,), demo_content=ensure_demo_dialogs,
                    fast_path=fastpath.serve, retention=retention.apply_retention,
                    exports=exports.TABLES)
