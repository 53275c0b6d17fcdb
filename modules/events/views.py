"""Public views of the events module: thin shells over services/."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beteiligung.participation import identity

from . import calendar, page_cache, services
from .forms import RegistrationForm
from .mails import qr_png
from .models import EventPage, RegistrationStatus


def seats_text(event, seats_taken):
    """'12 Plätze frei' or 'ausgebucht – Warteliste offen'; None for an event without a limit."""
    if event.capacity is None:
        return None
    free = max(event.capacity - seats_taken, 0)
    if free:
        return ngettext("%(n)s seat free", "%(n)s seats free", free) % {"n": free}
    if event.waitlist_enabled:
        return _("fully booked") + " – " + _("waiting list open")
    return _("fully booked")


def event_context(page, request, form=None):
    counts = services.counts(page) if page.capacity is not None else None
    return {
        "counts": counts,
        "seats": seats_text(page, counts["seats_taken"]) if counts else None,
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
    """The registration form on a page of its own: no page-tree routing, one small query
    to check the cached event (page_cache.py), so it holds up when registration opens and
    everybody arrives at once."""
    found = page_cache.public_event(event_id, with_seats=request.method != "POST")
    if found is None:
        raise Http404
    page = found.page

    def render(form=None):
        taken = found.seats_taken if found.seats_taken is not None else services.seats_taken(page)
        return TemplateResponse(request, "events/register.html", _form_page_context(
            page, page.registration_state(), form or RegistrationForm(page, user=request.user),
            seats_text(page, taken),
        ))

    if request.method == "POST":
        return _register(page, request, render)
    if _is_first_visit(request):
        return _form_page_from_cache(request, found)
    return render()


def _form_page_context(page, state, form, seats):
    return {"event": page, "page": page, "registration_state": state, "form": form, "seats": seats}


# Placeholders in the cached form page, filled for each request: its CSRF token and the
# seats currently free. Plain letters, so escaping leaves them as they are.
CSRF_HOLE = "csrfTokenHole7f3a9c"
SEATS_HOLE = "seatsHole7f3a9c"


def _is_first_visit(request):
    """No session, no messages, no query: the page is the same for all such visitors."""
    cookies = request.COOKIES
    return not (request.GET or cookies.get(settings.SESSION_COOKIE_NAME)
                or cookies.get(CookieStorage.cookie_name))


def _form_page_from_cache(request, found):
    page = found.page
    state = page.registration_state()
    key = (get_language(), state)
    html = found.snapshot.rendered.get(key)
    if html is None:
        context = _form_page_context(page, state, RegistrationForm(page),
                                     SEATS_HOLE if page.capacity is not None else None)
        html = render_to_string("events/register.html", {**context, "csrf_token": CSRF_HOLE}, request)
        found.snapshot.rendered[key] = html
    seats = seats_text(page, found.seats_taken) or ""
    return HttpResponse(html.replace(CSRF_HOLE, get_token(request)).replace(SEATS_HOLE, escape(seats)))


def _register(page, request, render_with_errors):
    form = RegistrationForm(page, data=request.POST, user=request.user)
    try:
        registration = services.register(page, form.registration_data(), user=request.user,
                                         client_address=identity.client_address(request))
    except services.DuplicateRegistration as error:
        if not error.own_address:
            # Answered exactly like a new registration by e-mail: the owner of the
            # address has been told by e-mail; the person at the form learns nothing.
            return _check_your_mail(page, request, waitlisted=error.waitlisted)
        form.add_error(None, error.message)
        return render_with_errors(form)
    except services.EventError as error:
        form.show_errors(error.errors)
        if not error.errors:
            form.add_error(None, error.message)
        response = render_with_errors(form)
        if isinstance(error, services.EventBusy):
            # Overload, not bad input: the form with what was typed, and the honest status.
            response.status_code = 503
            response["Retry-After"] = "5"
        return response
    if registration.email_confirmed_at is None:
        # Double opt-in: the way on is the link in the e-mail, as for an address that
        # was registered already (see DuplicateRegistration).
        return _check_your_mail(page, request,
                                waitlisted=registration.status == RegistrationStatus.WAITLISTED)
    if registration.status == RegistrationStatus.WAITLISTED:
        messages.info(request, _(
            "The event is fully booked; you are on the waiting list. We will e-mail you if a "
            "seat becomes free."
        ))
    else:
        messages.success(request, _("Your registration is confirmed. We have sent you your "
                                    "ticket by e-mail."))
    return redirect("events:manage", signed=services.signed_token(registration))


def _check_your_mail(page, request, waitlisted):
    if waitlisted:
        messages.info(request, _(
            "The event is fully booked; you are on the waiting list. We will e-mail you if a "
            "seat becomes free. Please confirm your e-mail address with the link we sent you."
        ))
    else:
        messages.success(request, _(
            "Almost done: we have sent you an e-mail. Please confirm your registration with the "
            "link in it within %(minutes)s minutes, otherwise the seat will be released."
        ) % {"minutes": page.hold_minutes})
    return redirect("events:sent", event_id=page.pk)


@require_GET
def sent(request, event_id):
    """Where every registration by e-mail ends: 'please look into your mailbox'. The same
    page whether the address was new or registered already."""
    found = page_cache.public_event(event_id, with_seats=False)
    if found is None:
        raise Http404
    return TemplateResponse(request, "events/sent.html", {"event": found.page, "page": found.page})


def event_ics(page, request):
    response = HttpResponse(calendar.event_ics(page), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="veranstaltung-{page.pk}.ics"'
    return response


@require_GET
def feed(request):
    """All upcoming public events of this portal, subscribable (webcal)."""
    events = (
        EventPage.objects.live().public().filter(event_end__gte=timezone.now(),
                                                 state__cancelled_at__isnull=True)
        .select_related("state").order_by("event_start")
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
        "items": registration.programme_items.all() if registration.event.item_list else (),
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
    try:
        services.delete_own_registration(registration)
    except services.EventError as error:  # EventBusy: nothing changed, try again
        messages.error(request, error.message)
        return redirect("events:manage", signed=signed)
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
