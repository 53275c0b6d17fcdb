"""Routes of the dialog module below /dialoge/ (the dialog page and its posts are
routes of the Wagtail page itself, see pages.py)."""

from django.urls import path

from . import views

app_name = "dialog"
urlpatterns = [
    path("bestaetigen/<str:signed>/", views.confirm, name="confirm"),
    path("verwalten/<str:signed>/", views.manage, name="manage"),
    path("verwalten/<str:signed>/loeschen/", views.manage_delete, name="manage_delete"),
    path("abbestellen/<str:signed>/", views.unsubscribe, name="unsubscribe"),
    path("netiquette/", views.netiquette, name="netiquette"),
]
