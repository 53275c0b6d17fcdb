"""The tenant URLconf with the Wagtail admin mounted at /cms/ instead of /admin/
(tests/test_mfa.py: the second factor does not depend on where the admin lives)."""

from django.urls import URLResolver, include, path
from wagtail.admin import urls as wagtailadmin_urls

from beteiligung.project import urls_tenant


def _is_admin(entry):
    return isinstance(entry, URLResolver) and str(entry.pattern).startswith("admin/")


urlpatterns = [path("cms/", include(wagtailadmin_urls))] + [
    entry for entry in urls_tenant.urlpatterns
    if not _is_admin(entry) and not str(entry.pattern).startswith("admin/")
]
