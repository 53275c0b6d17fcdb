from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialogConfig(AppConfig):
    name = "modules.dialog"
    label = "dialog"
    verbose_name = _("Dialog")
    default_auto_field = "django.db.models.BigAutoField"
