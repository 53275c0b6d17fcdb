"""Signals of the tenancy layer.

``tenant_provisioned`` is sent after a new tenant's schema exists; the portal
listens to set up its site, home page and first administrator there. Receivers
run inside the tenant's schema. An exception aborts provisioning and removes
the half-made tenant again.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

tenant_provisioned = Signal()  # sender=Tenant, tenant=..., options=dict


@receiver([post_save, post_delete], dispatch_uid="tenants.clear_host_cache")
def _clear_host_cache(sender, **kwargs):
    from .models import Domain, Tenant

    if sender in (Domain, Tenant):
        from .middleware import clear_host_cache

        clear_host_cache()
