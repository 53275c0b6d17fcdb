"""URLs of the public schema: the platform page and the operators' admin."""

from django.contrib import admin
from django.urls import path

from . import views

admin.site.site_header = "Beteiligungsportal – Plattformbetrieb"
admin.site.site_title = "Plattformbetrieb"

urlpatterns = [
    path("", views.platform_index, name="platform_index"),
    path("healthz", views.health),
    path("robots.txt", views.robots_txt),
    path("admin/", admin.site.urls),
]

handler404 = "beteiligung.views.page_not_found"
handler500 = "beteiligung.views.server_error"
# German, in the portal's layout (beteiligung/security.py).
handler400 = "beteiligung.security.bad_request"
