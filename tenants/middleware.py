"""Choose the tenant by host name, cheaply.

django-tenants' stock middleware asks the database for the domain on every
request. Here the host -> tenant map is kept in process memory for
TENANT_CACHE_SECONDS and cleared at once when a Tenant or Domain is saved or
deleted in this process (other processes see the change within the TTL).
Unknown hosts get a rendered 404 page, inactive tenants a 503 maintenance page.
"""

import copy
import threading
import time

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name, get_tenant_domain_model

_lock = threading.Lock()
_hosts: dict[str, tuple[float, object]] = {}
_MISSING = object()


def clear_host_cache():
    with _lock:
        _hosts.clear()


def lookup_tenant(hostname):
    """The tenant for ``hostname`` or None, from the process cache when fresh."""
    now = time.monotonic()
    entry = _hosts.get(hostname)
    if entry is not None and entry[0] > now:
        tenant = entry[1]
    else:
        connection.set_schema_to_public()
        domain_model = get_tenant_domain_model()
        domain = domain_model.objects.select_related("tenant").filter(domain=hostname).first()
        tenant = domain.tenant if domain is not None else _MISSING
        with _lock:
            if len(_hosts) > 10_000:  # bound memory against floods of made-up hosts
                _hosts.clear()
            _hosts[hostname] = (now + settings.TENANT_CACHE_SECONDS, tenant)
    return None if tenant is _MISSING else copy.copy(tenant)


class TenantMiddleware(TenantMainMiddleware):
    def process_request(self, request):
        # The connection keeps the previous request's schema until it is switched: a cached
        # host costs no query, and the same tenant again costs no SET search_path.
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return self.not_found(request)
        tenant = lookup_tenant(hostname)
        if tenant is None:
            return self.not_found(request)
        tenant.domain_url = hostname
        request.tenant = tenant
        if not tenant.is_active and tenant.schema_name != get_public_schema_name():
            return self.maintenance(request)
        connection.set_tenant(tenant)
        self.setup_url_routing(request)
        return None

    @staticmethod
    def not_found(request):
        connection.set_schema_to_public()
        return render(request, "tenants/not_found.html", status=404)

    @staticmethod
    def maintenance(request):
        connection.set_schema_to_public()
        response = render(
            request, "tenants/maintenance.html", {"tenant": request.tenant}, status=503
        )
        response["Retry-After"] = "3600"
        return response
