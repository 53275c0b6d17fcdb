"""Public views of the events module: thin shells over services.py."""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import calendar, services
from .forms import RegistrationForm
from .mails import qr_png
from .models import EventPage, RegistrationStatus


def event_context(page, request, form=None):
    return {
        "counts": services.counts(page) if page.capacity is not None else None,
        "registration_state": page.registration_state(),
        "form": form or RegistrationForm(page, user=request.user),
        "webcal_url": request.build_absolute_uri(reverse("events:feed")).replace("http", "webcal", 1),
    }


def _render(page, request, form=None, status=200):
    context = page.get_context(request)
    context.update(event_context(page, request, form))
    return TemplateResponse(request, page.get_template(request), context, status=status)


def event_detail(page, request):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if request.method != "POST":
        return _render(page, request)
    return _register(page, request, lambda form: _render(page, request, form))


@require_http_methods(["GET", "HEAD", "POST"])
def register_page(request, event_id):
    """The registration form on a page of its own: no page-tree routing, few queries,
    so it holds up when registration opens and everybody arrives at once."""
    page = EventPage.objects.live().public().filter(pk=event_id).first()
    if page is None:
        raise Http404

    def render(form=None):
        return TemplateResponse(request, "events/register.html",
                                {"event": page, "page": page, **event_context(page, request, form)})

    if request.method != "POST":
        return render()
    return _register(page, request, render)


def _register(page, request, render_with_errors):
    form = RegistrationForm(page, data=request.POST, user=request.user)
    try:
        registration = services.register(page, form.registration_data(), user=request.user)
    except services.EventError as error:
        form.show_errors(error.errors)
        if not error.errors:
            form.add_error(None, error.message)
        return render_with_errors(form)
    if registration.status == RegistrationStatus.PENDING:
        messages.success(request, _(
            "Almost done: we have sent you an e-mail. Please confirm your registration with the "
            "link in it within %(minutes)s minutes, otherwise the seat will be released."
        ) % {"minutes": page.hold_minutes})
    elif registration.status == RegistrationStatus.WAITLISTED:
        messages.info(request, _(
            "The event is fully booked; you are on the waiting list. We will e-mail you if a "
            "seat becomes free. Please confirm your e-mail address with the link we sent you."
        ))
    else:
        messages.success(request, _("Your registration is confirmed. We have sent you your "
                                    "ticket by e-mail."))
    return redirect("events:manage", signed=services.signed_token(registration))


def event_ics(page, request):
    response = HttpResponse(calendar.event_ics(page), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="veranstaltung-{page.pk}.ics"'
    return response


@require_GET
def feed(request):
    """All upcoming public events of this portal, subscribable (webcal)."""
    events = (
        EventPage.objects.live().public().filter(event_end__gte=timezone.now(),
                                                 cancelled_at__isnull=True)
        .order_by("event_start")
    )
    name = getattr(request.tenant, "name", "") + " – Veranstaltungen"
    response = HttpResponse(calendar.calendar(events, name=name),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="veranstaltungen.ics"'
    return response


def with_registration(page_on_error=True):
    """Resolve the signed link into the registration; a bad link gets a clear page
    (or a plain 404 for files such as the ticket image)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, signed):
            try:
                registration = services.registration_from_link(signed)
            except services.LinkInvalid as error:
                if not page_on_error:
                    raise Http404 from None
                return TemplateResponse(request, "events/link_problem.html",
                                        {"message": error.message}, status=404)
            return view(request, registration, signed)

        return wrapper

    return decorator


@require_GET
@with_registration()
def manage(request, registration, signed):
    return TemplateResponse(request, "events/manage.html", {
        "registration": registration, "event": registration.event, "signed": signed,
        "show_access": registration.status in (RegistrationStatus.CONFIRMED,
                                               RegistrationStatus.ATTENDED),
    })


@require_http_methods(["GET", "POST"])
@with_registration()
def confirm(request, registration, signed):
    """GET shows a button (mail scanners follow links); the POST confirms."""
    if request.method == "POST":
        try:
            services.confirm_email(registration)
        except services.EventError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you, your e-mail address is confirmed."))
        return redirect("events:manage", signed=signed)
    return TemplateResponse(request, "events/confirm.html",
                            {"registration": registration, "signed": signed})


@require_POST
@with_registration()
def cancel(request, registration, signed):
    try:
        services.cancel(registration)
    except services.EventError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your registration has been cancelled."))
    return redirect("events:manage", signed=signed)


@require_POST
@with_registration()
def delete(request, registration, signed):
    event = registration.event
    services.delete_own_registration(registration)
    messages.success(request, _("Your registration and your personal data have been deleted."))
    return redirect(event.url)


@require_GET
@with_registration(page_on_error=False)
def ticket_png(request, registration, signed):
    if registration.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED):
        raise Http404
    response = HttpResponse(qr_png(registration), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@with_registration(page_on_error=False)
def personal_ics(request, registration, signed):
    response = HttpResponse(calendar.participant_ics(registration),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="veranstaltung.ics"'
    return response
