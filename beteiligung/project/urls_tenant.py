"""URLs of a tenant's portal (every host that is not the platform's)."""

from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from beteiligung.participation import registry
from beteiligung.portal import accounts, views

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    # Wagtail's own login and password forms know nothing of the second factor:
    # everybody logs in through allauth.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/password_reset/", RedirectView.as_view(pattern_name="account_reset_password")),
    path("admin/", include(wagtailadmin_urls)),
    # allauth's OpenID Connect views, guarded: an unreachable provider answers the
    # portal's German error page instead of a bare 500 (same URLs, matched first).
    path("konto/oidc/<str:provider_id>/login/", accounts.oidc_login),
    path("konto/oidc/<str:provider_id>/login/callback/", accounts.oidc_callback),
    path("konto/", include("allauth.urls")),
    path("dokumente/", include(wagtaildocs_urls)),
    re_path(r"^media/(?P<schema>[a-z0-9_]+)/(?P<path>.+)$", views.serve_media, name="tenant_media"),
    path("demo/postausgang/", views.demo_outbox, name="demo_outbox"),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Modules plug in their own URLs through the registry (participation/registry.py).
for module in registry.modules():
    if module.urls:
        urlpatterns.append(path(module.url_prefix, include((module.urls, module.label))))

urlpatterns += [
    # Wagtail's front-end login (private pages) takes a password alone: everybody
    # logs in through allauth instead. Its page-password form stays (no account login).
    path("_util/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("", include(wagtail_urls)),
]

handler404 = "beteiligung.portal.errors.page_not_found"
handler500 = "beteiligung.portal.errors.server_error"
# German, in the portal's layout (beteiligung/portal/errors.py).
handler400 = "beteiligung.portal.errors.bad_request"
handler429 = "beteiligung.portal.errors.too_many_requests"  # allauth's rate limits
