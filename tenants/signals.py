"""Signals of the tenancy layer.

``tenant_provisioned`` is sent after a new tenant's schema exists; the portal
listens to set up its site, home page and first administrator there. Receivers
run inside the tenant's schema. An exception aborts provisioning and removes
the half-made tenant again.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

tenant_provisioned = Signal()  # sender=Tenant, tenant=..., options=dict


def connect_host_cache_signals():
    """Clear the process's host -> tenant map whenever a Tenant or Domain changes."""
    from .middleware import clear_host_cache
    from .models import Domain, Tenant

    def clear(**kwargs):
        clear_host_cache()

    for model in (Tenant, Domain):
        for signal in (post_save, post_delete):
            signal.connect(clear, sender=model, weak=False,
                           dispatch_uid=f"tenants.host_cache.{model.__name__}.{signal}")
