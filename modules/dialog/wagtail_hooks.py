"""The dialog's moderation in the Wagtail admin: URLs, buttons on dialog pages, and the
results announcement when an editor publishes the page."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.signals import page_published

from beteiligung.participation import registry
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


registry.admin_urls("dialog/", "dialog_admin", admin_urlpatterns)
registry.page_buttons(DialogPage, _("Moderation"), "dialog_admin:moderation", "comment",
                      allowed=lambda page, user: is_moderator(user, page.specific))


def announce_results_on_publish(sender, instance, **kwargs):
    """First publication of non-empty results after the end: tell who asked for it."""
    from .moderation import announce_results, results_are_published

    if results_are_published(instance):
        announce_results(instance)


page_published.connect(announce_results_on_publish, sender=DialogPage,
                       dispatch_uid="dialog_announce_results")
