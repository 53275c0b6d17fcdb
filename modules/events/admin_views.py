"""Organizer back office inside the Wagtail admin: participants, exports, messages,
check-in, chart. Only for editors who may edit the event page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beteiligung.participation import registry
from beteiligung.participation.exports import export_response
from beteiligung.participation.retention import RetentionRun

from . import exports, services
from .models import EventPage, Registration, RegistrationStatus

S = RegistrationStatus


def _event_for(request, page_id):
    event = get_object_or_404(EventPage, pk=page_id)
    if not event.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return event


def _filtered(event, request):
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()[:200]
    return exports.registrations(event, status, query), status, query


def participants(request, page_id):
    event = _event_for(request, page_id)
    qs, status, query = _filtered(event, request)
    page = Paginator(qs.prefetch_related("programme_items"), 100).get_page(request.GET.get("p"))
    counts = services.counts(event)
    timeline = services.registrations_over_time(event)
    peak = max((n for _day, n in timeline), default=0)
    other_events = (
        EventPage.objects.exclude(pk=event.pk).filter(state__cancelled_at__isnull=True)
        .order_by("-event_start").only("pk", "title", "event_start")[:50]
    )
    return TemplateResponse(request, "events/admin/participants.html", {
        "event": event, "registrations": page, "counts": counts, "status": status,
        "query": query, "statuses": S.choices, "timeline": timeline, "peak": peak or 1,
        "fill_percent": round(100 * counts["seats_taken"] / event.capacity)
        if event.capacity else None,
        "other_events": other_events,
        "retention_runs": RetentionRun.objects.filter(procedure=event)[:10],
    })


def export(request, page_id, fmt):
    """The participants table (exports.py), through the portal's registry, filtered as
    the list is."""
    event = _event_for(request, page_id)
    _qs, status, query = _filtered(event, request)
    return export_response(registry.export_for(event, "participants"), event, fmt,
                           status=status, query=query)


def message(request, page_id):
    event = _event_for(request, page_id)
    context = {"event": event, "subject": "", "body": "", "recipients": ["confirmed"]}
    if request.method == "POST":
        recipients = request.POST.getlist("recipients")
        subject, body = request.POST.get("subject", ""), request.POST.get("body", "")
        try:
            sent = services.message_participants(event, recipients, subject, body)
        except services.EventError as error:
            messages.error(request, error.message)
            context.update(subject=subject, body=body, recipients=recipients)
        else:
            messages.success(request, _("The message is being sent to %(n)s participants.")
                             % {"n": sent})
            return redirect("events_admin:participants", page_id=event.pk)
    return TemplateResponse(request, "events/admin/message.html", context)


def checkin(request, page_id):
    event = _event_for(request, page_id)
    result = None
    if request.method == "POST":
        result = services.check_in(event, request.POST.get("code", ""))
    return TemplateResponse(request, "events/admin/checkin.html", {
        "event": event, "result": result, "counts": services.counts(event),
    })


def checkin_status(request, page_id):
    event = _event_for(request, page_id)
    counts = services.counts(event)
    return JsonResponse({"attended": counts["attended"], "confirmed": counts["confirmed"]})


@require_POST
def cancel_event(request, page_id):
    event = _event_for(request, page_id)
    if not request.POST.get("confirm"):
        messages.error(request, _("Please confirm that the event is to be cancelled."))
    elif event.is_cancelled:
        messages.info(request, _("The event is already cancelled."))
    else:
        try:
            informed = services.cancel_event(event)
        except services.EventError as error:  # EventBusy: the lock was not free in time
            messages.error(request, error.message)
        else:
            messages.success(request, _("The event has been cancelled; %(n)s participants are "
                                        "being informed.") % {"n": informed})
    return redirect("events_admin:participants", page_id=event.pk)


@require_POST
def registration_action(request, pk, action):
    registration = get_object_or_404(Registration, pk=pk)
    event = _event_for(request, registration.event_id)
    try:
        if action == "cancel":
            services.cancel(registration, reason="organizer")
            messages.success(request, _("Registration cancelled."))
        elif action == "promote":
            services.promote(registration, force=bool(request.POST.get("force")))
            messages.success(request, _("Promoted from the waiting list."))
        elif action == "move":
            target_id = request.POST.get("target", "")
            if not target_id.isdigit():
                raise services.EventError(_("Please choose the event to move to."))
            target = get_object_or_404(EventPage, pk=int(target_id))
            if not target.permissions_for_user(request.user).can_edit():
                raise PermissionDenied
            services.move(registration, target)
            messages.success(request, _("Registration moved to %(title)s.") % {"title": target.title})
        else:
            raise PermissionDenied
    except services.EventError as error:
        messages.error(request, error.message)
    return redirect("events_admin:participants", page_id=event.pk)
