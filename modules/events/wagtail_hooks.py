from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

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


@hooks.register("register_admin_urls")
def register_event_admin_urls():
    return [path("veranstaltungen/", include((admin_urlpatterns, "events_admin")))]


def _participants_button(page, user, priority):
    if issubclass(page.specific_class or object, EventPage) and page.permissions_for_user(user).can_edit():
        yield Button(
            _("Participants"), reverse("events_admin:participants", args=[page.pk]),
            icon_name="group", priority=priority,
        )


@hooks.register("register_page_header_buttons")
def event_header_buttons(page, user, view_name, next_url=None):
    yield from _participants_button(page, user, 12)


@hooks.register("register_page_listing_more_buttons")
def event_listing_buttons(page, user, next_url=None):
    yield from _participants_button(page, user, 3)
