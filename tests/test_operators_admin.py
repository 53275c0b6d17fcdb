"""The platform operators' admin (public host) has the editors' login: allauth with
rate limits and the second factor (issue 7, item 2)."""

import time

import pytest
from allauth.mfa.totp.internal.auth import hotp_value
from django.db import connection
from django.test import Client
from django_tenants.utils import get_public_schema_name, schema_context

from .factories import PASSWORD, add_totp, make_user

OPERATOR = "betrieb@example.org"


@pytest.fixture
def platform(db):
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def operator(db):
    with schema_context(get_public_schema_name()):
        user = make_user(OPERATOR, is_superuser=True, is_staff=True)
        return user, add_totp(user)


def _code(secret):
    return f"{hotp_value(secret, int(time.time()) // 30):06d}"


def test_platform_schema_has_the_account_tables(db):
    with schema_context(get_public_schema_name()):
        tables = connection.introspection.table_names()
    for table in ("account_emailaddress", "mfa_authenticator", "socialaccount_socialapp"):
        assert table in tables


def test_django_admin_login_is_replaced_by_allauth(platform):
    response = platform.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/login/?next=/admin/"
    # Django's admin sends anonymous visitors to its login, which is allauth's now.
    response = platform.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/konto/login/?next=")
    page = platform.get("/konto/login/")
    assert page.status_code == 200
    assert "Plattformbetrieb" in page.content.decode()


def test_wrong_password_is_a_form_error_and_rate_limited(platform, operator):
    for _ in range(5):
        response = platform.post("/konto/login/", {"login": OPERATOR, "password": "falsch"})
        assert response.status_code == 200
        assert response.context["form"].errors
    response = platform.post("/konto/login/", {"login": OPERATOR, "password": PASSWORD})
    assert "_auth_user_id" not in platform.session
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Anmeldeversuche" in errors or "login attempts" in errors, errors


def test_operator_logs_in_with_second_factor(platform, operator):
    _, secret = operator
    response = platform.post("/konto/login/", {"login": OPERATOR, "password": PASSWORD})
    assert response["Location"] == "/konto/2fa/authenticate/"
    assert "_auth_user_id" not in platform.session
    platform.post("/konto/2fa/authenticate/", {"code": _code(secret)})
    assert platform.get("/admin/").status_code == 200
    assert platform.get("/admin/tenants/tenant/").status_code == 200


def test_password_only_operator_session_is_asked_for_the_second_factor(platform, operator):
    user, secret = operator
    with schema_context(get_public_schema_name()):
        platform.force_login(user)
    response = platform.get("/admin/tenants/tenant/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/2fa/reauthenticate/?next=")
    platform.post("/konto/2fa/reauthenticate/", {"code": _code(secret)})
    assert platform.get("/admin/tenants/tenant/").status_code == 200


def test_operator_without_authenticator_is_sent_to_set_one_up(platform):
    with schema_context(get_public_schema_name()):
        make_user("neu-betrieb@example.org", is_superuser=True, is_staff=True)
    platform.post("/konto/login/", {"login": "neu-betrieb@example.org", "password": PASSWORD})
    assert "_auth_user_id" in platform.session
    response = platform.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/2fa/totp/activate/"
    # The set-up page renders in the platform's layout (no tenant there).
    platform.post("/konto/reauthenticate/", {"password": PASSWORD})
    page = platform.get("/konto/2fa/totp/activate/")
    assert page.status_code == 200
    assert "Plattformbetrieb" in page.content.decode()


def test_nobody_signs_up_on_the_platform_host(platform):
    from django.contrib.auth import get_user_model

    response = platform.post("/konto/signup/", {
        "email": "fremd@example.org", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 200
    assert "signup_closed" in response.templates[0].name
    with schema_context(get_public_schema_name()):
        assert not get_user_model().objects.filter(email="fremd@example.org").exists()


def test_operator_made_by_createsuperuser_confirms_address_then_sets_up_factor(platform):
    import re

    from django.contrib.auth import get_user_model
    from django.core import mail

    with schema_context(get_public_schema_name()):
        get_user_model().objects.create_superuser("chef", "chef@example.org", PASSWORD)
    platform.post("/konto/login/", {"login": "chef@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in platform.session
    assert len(mail.outbox) == 1
    link = re.search(r"http://localhost:\d+(/konto/confirm-email/\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    platform.post(link.group(1))
    platform.post("/konto/login/", {"login": "chef@example.org", "password": PASSWORD})
    assert "_auth_user_id" in platform.session
    assert platform.get("/admin/")["Location"] == "/konto/2fa/totp/activate/"
