from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name


def has_strong_authenticator(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


class AdminRequiresMFAMiddleware:
    """Anyone who can enter the Wagtail admin must have set up a second factor first.

    Logging in goes through allauth (Wagtail's own login form is redirected
    there, see urls_tenant.py), which asks for the second factor once one
    exists; this middleware makes sure that one exists before the admin opens.
    Only requests to /admin/ pay for the check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith("/admin/")
            and getattr(request, "tenant", None) is not None
            and request.tenant.schema_name != get_public_schema_name()
            and request.user.is_authenticated
            and request.user.has_perm("wagtailadmin.access_admin")
            and not has_strong_authenticator(request.user)
        ):
            messages.warning(
                request,
                _("Editors must protect their account with a second factor before "
                  "they can use the editing area. Please set up an authenticator app."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


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
