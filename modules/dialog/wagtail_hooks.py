"""The dialog's moderation in the Wagtail admin: URLs, buttons on dialog pages, and the
results announcement when an editor publishes the page."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.signals import page_published

from beteiligung.participation.rules import is_moderator

from . import admin_views
from .pages import DialogPage

admin_urlpatterns = [
    path("<int:page_id>/moderation/", admin_views.queue, name="moderation"),
    path("<int:page_id>/moderation/<int:post_id>/<str:action>/", admin_views.post_action,
         name="post_action"),
    path("<int:page_id>/sperre/<int:block_id>/aufheben/", admin_views.unblock, name="unblock"),
    path("<int:page_id>/export/<str:kind>.<str:fmt>", admin_views.export, name="export"),
    path("<int:page_id>/statistik/", admin_views.statistics, name="statistics"),
]


@hooks.register("register_admin_urls")
def register_dialog_admin_urls():
    return [path("dialog/", include((admin_urlpatterns, "dialog_admin")))]


def _moderation_button(page, user, priority):
    if issubclass(page.specific_class or object, DialogPage) and is_moderator(user, page.specific):
        yield Button(_("Moderation"), reverse("dialog_admin:moderation", args=[page.pk]),
                     icon_name="comment", priority=priority)


@hooks.register("register_page_header_buttons")
def dialog_header_buttons(page, user, view_name, next_url=None):
    yield from _moderation_button(page, user, 12)


@hooks.register("register_page_listing_more_buttons")
def dialog_listing_buttons(page, user, next_url=None):
    yield from _moderation_button(page, user, 3)


def announce_results_on_publish(sender, instance, **kwargs):
    """First publication of non-empty results after the end: tell who asked for it."""
    from .moderation import announce_results, results_are_published

    if results_are_published(instance):
        announce_results(instance)


page_published.connect(announce_results_on_publish, sender=DialogPage,
                       dispatch_uid="dialog_announce_results")
