"""Small factories for the suite. Call them inside the schema you want the data in."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

PASSWORD = "ein-sicheres-Passwort-42"


def make_user(email, *, verified=True, password=PASSWORD, **extra):
    from allauth.account.models import EmailAddress

    user = get_user_model().objects.create_user(
        username=email, email=email, password=password, **extra
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def add_totp(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def home_page():
    from beteiligung.models import HomePage

    return HomePage.objects.get()


def make_authority(name, short_name=""):
    from beteiligung.portal.authorities import create_authority

    return create_authority(name, short_name=short_name)


def make_procedure(parent, title, *, kind="dialog", starts=-1, ends=30, live=True):
    """A procedure under ``parent`` open from ``starts`` to ``ends`` days from now."""
    from beteiligung.models import ProcedurePage

    now = timezone.now()
    page = ProcedurePage(
        title=title,
        procedure_type=kind,
        teaser=f"Worum es bei {title} geht.",
        starts_at=now + timedelta(days=starts) if starts is not None else None,
        ends_at=now + timedelta(days=ends) if ends is not None else None,
        live=live,
    )
    return parent.add_child(instance=page)


def login_with_second_factor(client, user):
    """Log ``client`` in as ``user`` as if by password and second factor (allauth's
    records of this session), which the editing areas require."""
    import time

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.account.internal.userkit import user_id_to_str

    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()
