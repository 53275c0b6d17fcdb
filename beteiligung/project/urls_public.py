"""URLs of the public schema: the platform page and the operators' admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from beteiligung.portal import views

admin.site.site_header = "Beteiligungsportal – Plattformbetrieb"
admin.site.site_title = "Plattformbetrieb"

urlpatterns = [
    path("", views.platform_index, name="platform_index"),
    path("healthz", views.health),
    path("robots.txt", views.robots_txt),
    # Operators log in like editors: allauth (rate limits, second factor), never
    # Django's password-only admin login.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", admin.site.urls),
    path("konto/", include("allauth.urls")),
]

handler404 = "beteiligung.portal.errors.page_not_found"
handler500 = "beteiligung.portal.errors.server_error"
# German, in the portal's layout (beteiligung/portal/errors.py).
handler400 = "beteiligung.portal.errors.bad_request"
handler429 = "beteiligung.portal.errors.too_many_requests"  # allauth's rate limits
