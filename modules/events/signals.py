"""When an editor publishes a change to date, place or access, participants get an
updated calendar entry (SEQUENCE + 1) by e-mail."""

from django.dispatch import receiver
from wagtail.signals import page_published

from .models import CalendarState, EventPage


@receiver(page_published, dispatch_uid="events.calendar_update_on_publish")
def calendar_update_on_publish(sender, instance, **kwargs):
    if not isinstance(instance, EventPage):
        return
    from . import services

    fingerprint = instance.compute_calendar_fingerprint()
    state = CalendarState.objects.filter(event_id=instance.pk).first()
    if state is None:  # first publication: nothing to update
        CalendarState.objects.create(event_id=instance.pk, fingerprint=fingerprint)
        return
    if state.fingerprint != fingerprint:
        CalendarState.objects.filter(event_id=instance.pk).update(fingerprint=fingerprint)
        services.event_changed(instance)
