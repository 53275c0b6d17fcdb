from django.urls import path

from . import views

urlpatterns = [
    path("kalender.ics", views.feed, name="feed"),
    path("<int:event_id>/anmeldung/", views.register_page, name="register"),
    path("<int:event_id>/anmeldung/gesendet/", views.sent, name="sent"),
    path("anmeldung/<str:signed>/", views.manage, name="manage"),
    path("anmeldung/<str:signed>/bestaetigen/", views.confirm, name="confirm"),
    path("anmeldung/<str:signed>/stornieren/", views.cancel, name="cancel"),
    path("anmeldung/<str:signed>/loeschen/", views.delete, name="delete"),
    path("anmeldung/<str:signed>/ticket.png", views.ticket_png, name="ticket"),
    path("anmeldung/<str:signed>/kalender.ics", views.personal_ics, name="personal_ics"),
]
