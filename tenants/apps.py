from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .signals import connect_host_cache_signals

        connect_host_cache_signals()

        from .contenttypes import install

        install()  # ContentType cache per schema, see contenttypes.py
