"""The events' participant management in the Wagtail admin: URLs, and a button on event
pages."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from beteiligung.participation import registry

from . import admin_views
from .models import EventPage

admin_urlpatterns = [
    path("<int:page_id>/", admin_views.participants, name="participants"),
    path("<int:page_id>/export.<str:fmt>", admin_views.export, name="export"),
    path("<int:page_id>/nachricht/", admin_views.message, name="message"),
    path("<int:page_id>/einlass/", admin_views.checkin, name="checkin"),
    path("<int:page_id>/einlass/stand.json", admin_views.checkin_status, name="checkin_status"),
    path("<int:page_id>/absagen/", admin_views.cancel_event, name="cancel_event"),
    path("anmeldung/<int:pk>/<str:action>/", admin_views.registration_action, name="action"),
]


registry.admin_urls("veranstaltungen/", "events_admin", admin_urlpatterns)
registry.page_buttons(EventPage, _("Participants"), "events_admin:participants", "group",
                      allowed=lambda page, user: page.permissions_for_user(user).can_edit())
