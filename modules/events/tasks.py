"""Background work of the events module. Every task runs in the tenant that enqueued it."""

from django_tasks import task

from .models import Registration


@task()
def send_registration_mails(kind, registration_ids):
    from .mails import send_registration_mail

    sent = 0
    for registration in Registration.objects.filter(
        pk__in=registration_ids, anonymized_at__isnull=True
    ).select_related("event__state"):
        sent += send_registration_mail(registration, kind)
    return sent


@task()
def send_custom_message(registration_ids, subject, body):
    from .mails import send_custom

    sent = 0
    for registration in Registration.objects.filter(
        pk__in=registration_ids, anonymized_at__isnull=True
    ).select_related("event__state"):
        sent += send_custom(registration, subject, body)
    return sent


@task()
def event_changed(event_id):
    from . import services
    from .models import EventPage

    event = EventPage.objects.filter(pk=event_id).first()
    return services.event_changed(event) if event is not None else 0


@task()
def expire_holds():
    from . import services

    return services.expire_holds()
