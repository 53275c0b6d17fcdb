import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils.translation import gettext as _

from beteiligung.portal.tenant_only import is_tenant_request

# Views of these packages are an editing area wherever they are mounted.
ADMIN_VIEW_MODULES = ("wagtail.admin.", "django.contrib.admin.")
# The roots of the editing areas, resolved in the active URLconf (tenant or platform).
ADMIN_ROOT_URL_NAMES = ("wagtailadmin_home", "admin:index")


def has_strong_authenticator(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def session_passed_second_factor(request, user):
    """Did THIS session prove the second factor of ``user``?

    allauth records every authentication step of a session (password, social
    login, mfa, reauthentication), bound to the user. A session logged in by a
    password alone - any login form, ``django.contrib.auth.login`` in code - has
    no "mfa" record, whatever devices the user owns.
    """
    from allauth.account.authentication import get_authentication_records

    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )


@functools.lru_cache(maxsize=32)
def admin_roots(urlconf, names=ADMIN_ROOT_URL_NAMES):
    """Where the editing areas called ``names`` are mounted in ``urlconf`` (tenant or
    platform), as a tuple of path prefixes; resolved, never assumed to be /admin/."""
    roots = []
    for name in names:
        try:
            roots.append(reverse(name, urlconf=urlconf))
        except NoReverseMatch:
            pass
    return tuple(roots)


def is_admin_view(request, view_func):
    """The request is for an editing area: by where the admin is mounted in the
    active URLconf (hooks such as the events module's participant exports live
    below it), or by the view itself (an admin view mounted somewhere else)."""
    path = request.path_info
    if path.startswith(admin_roots(get_urlconf() or settings.ROOT_URLCONF)):
        return True
    module = getattr(view_func, "__module__", "") or ""
    view_class = getattr(view_func, "view_class", None)
    if view_class is not None:
        module = view_class.__module__
    return module.startswith(ADMIN_VIEW_MODULES)


def needs_second_factor(request):
    user = request.user
    if not user.is_authenticated:
        return False
    if not is_tenant_request(request):
        # The platform operators' admin: Django's admin lets staff in.
        return user.is_active and user.is_staff
    return user.has_perm("wagtailadmin.access_admin")


class AdminRequiresMFAMiddleware:
    """Nobody enters an editing area unless this session passed the second factor.

    Editing areas are the Wagtail admin of a tenant and the Django admin of the
    platform operators, wherever they are mounted. Someone who may enter one
    and has no authenticator yet is sent to set one up; someone who has one
    but whose session was opened without it (a password-only login by any
    route) is asked for the second factor again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_admin_view(request, view_func) or not needs_second_factor(request):
            return None
        user = request.user
        if not has_strong_authenticator(user):
            messages.warning(
                request,
                _("Editors must protect their account with a second factor before "
                  "they can use the editing area. Please set up an authenticator app."),
            )
            return redirect("mfa_activate_totp")
        if session_passed_second_factor(request, user):
            return None
        messages.info(
            request,
            _("Please confirm with your second factor that it is you before the "
              "editing area opens."),
        )
        return redirect(reverse("mfa_reauthenticate") + "?" + urlencode(
            {"next": request.get_full_path()}
        ))


class PortalLanguageMiddleware:
    """German unless the visitor chose another language with the switch in the footer.

    Django's LocaleMiddleware would follow the browser's Accept-Language and show a
    German authority's pages with an English interface around German content; here
    only the explicit choice (language cookie) counts.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
