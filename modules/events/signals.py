"""When an editor publishes a change to date, place or access, participants get an
updated calendar entry (SEQUENCE + 1) by e-mail. Every new event (created, copied,
made by the demo) gets its state row at once (the participation core does that)."""

from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published

from .models import CalendarState, EventPage


@receiver(page_published, dispatch_uid="events.calendar_update_on_publish")
def calendar_update_on_publish(sender, instance, **kwargs):
    if not isinstance(instance, EventPage):
        return
    fingerprint = instance.compute_calendar_fingerprint()
    state = CalendarState.objects.filter(event_id=instance.pk).first()
    if state is None:  # first publication: nothing to update
        CalendarState.objects.create(event_id=instance.pk, fingerprint=fingerprint)
        return
    if state.fingerprint != fingerprint:
        CalendarState.objects.filter(event_id=instance.pk).update(fingerprint=fingerprint)
        # The new SEQUENCE is counted on the event's state row, which the registration lock
        # holds: counted after commit in a background task, so publishing never waits for a rush.
        from . import tasks

        event_id = instance.pk
        transaction.on_commit(lambda: tasks.event_changed.enqueue(event_id))
