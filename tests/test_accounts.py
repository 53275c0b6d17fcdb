"""Accounts per tenant: e-mail login, mandatory verification, no enumeration, MFA for editors."""

import re

from allauth.mfa.totp.internal.auth import hotp_value
from django.core import mail
from django_tenants.utils import tenant_context

from .factories import PASSWORD, add_totp, make_user


def test_signup_needs_email_verification_before_login(tenant_a, client_a):
    response = client_a.post("/konto/signup/", {
        "email": "neu@example.org", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 302
    assert "_auth_user_id" not in client_a.session
    assert len(mail.outbox) == 1
    link = re.search(r"http://alpha\.localhost(?::\d+)?(/konto/confirm-email/\S+)",
                     mail.outbox[0].body)
    assert link, mail.outbox[0].body
    # Logging in before confirming is refused (a new confirmation mail goes out instead).
    client_a.post("/konto/login/", {"login": "neu@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client_a.session
    client_a.post(link.group(1))
    client_a.post("/konto/login/", {"login": "neu@example.org", "password": PASSWORD})
    assert "_auth_user_id" in client_a.session


def test_password_reset_does_not_reveal_accounts(tenant_a, client_a):
    with tenant_context(tenant_a):
        make_user("bekannt@example.org")
    known = client_a.post("/konto/password/reset/", {"email": "bekannt@example.org"})
    unknown = client_a.post("/konto/password/reset/", {"email": "unbekannt@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_signup_with_taken_address_does_not_reveal_it(tenant_a, client_a):
    with tenant_context(tenant_a):
        make_user("vergeben@example.org")
    response = client_a.post("/konto/signup/", {
        "email": "vergeben@example.org", "password1": PASSWORD, "password2": PASSWORD,
    })
    # Same answer as for a new address; the owner gets a note by e-mail instead.
    assert response.status_code == 302
    assert "_auth_user_id" not in client_a.session


def test_login_rate_limit_is_on(tenant_a, client_a):
    with tenant_context(tenant_a):
        make_user("ziel@example.org")
    for _ in range(5):
        client_a.post("/konto/login/", {"login": "ziel@example.org", "password": "x"})
    # Even the right password is refused now.
    response = client_a.post("/konto/login/", {"login": "ziel@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client_a.session
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Anmeldeversuche" in errors or "login attempts" in errors, errors


def test_wagtail_login_form_is_replaced_by_allauth(tenant_a, client_a):
    response = client_a.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")
    assert client_a.get("/admin/")["Location"].startswith("/konto/login/")


def test_editor_without_second_factor_is_sent_to_set_one_up(tenant_a, client_a):
    with tenant_context(tenant_a):
        make_user("redakteur@example.org", is_superuser=True, is_staff=True)
    client_a.post("/konto/login/", {"login": "redakteur@example.org", "password": PASSWORD})
    response = client_a.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/2fa/totp/activate/"


def test_editor_with_totp_logs_in_with_second_step_and_reaches_admin(tenant_a, client_a):
    import time

    with tenant_context(tenant_a):
        user = make_user("redakteurin@example.org", is_superuser=True, is_staff=True)
        secret = add_totp(user)
    response = client_a.post(
        "/konto/login/", {"login": "redakteurin@example.org", "password": PASSWORD}
    )
    assert response["Location"] == "/konto/2fa/authenticate/"
    assert "_auth_user_id" not in client_a.session
    code = hotp_value(secret, int(time.time()) // 30)
    response = client_a.post("/konto/2fa/authenticate/", {"code": f"{code:06d}"})
    assert response.status_code == 302
    assert client_a.get("/admin/").status_code == 200


def test_citizen_without_admin_access_needs_no_second_factor(tenant_a, client_a):
    with tenant_context(tenant_a):
        make_user("buergerin@example.org")
    client_a.post("/konto/login/", {"login": "buergerin@example.org", "password": PASSWORD})
    assert client_a.get("/konto/email/").status_code == 200
    # The admin itself refuses them, but not by demanding a second factor.
    assert client_a.get("/admin/")["Location"] != "/konto/2fa/totp/activate/"


def _signup_seconds(client, email):
    import time

    started = time.perf_counter()
    response = client.post("/konto/signup/", {
        "email": email, "password1": PASSWORD, "password2": PASSWORD,
    })
    elapsed = time.perf_counter() - started
    assert response.status_code == 302
    return elapsed


def test_signup_takes_as_long_for_a_taken_address_as_for_a_new_one(tenant_a, client_a):
    """A taken address used to answer in 7-11 ms, a new one in 240-280 ms (the password
    hash): the time told whether an address has an account."""
    from statistics import median

    with tenant_context(tenant_a):
        make_user("schon-da@example.org")
    _signup_seconds(client_a, "aufwaermen@example.org")
    new, taken = [], []
    for i in range(5):
        new.append(_signup_seconds(client_a, f"neu-{i}@example.org"))
        taken.append(_signup_seconds(client_a, "schon-da@example.org"))
    ratio = median(new) / median(taken)
    assert 0.5 < ratio < 2, (new, taken)


def test_password_reset_link_uses_the_tenants_domain_not_the_host_header(
    tenant_a, settings
):
    from django.test import Client

    settings.PORTAL_URL_SCHEME = "https"
    settings.PORTAL_URL_PORT = "8443"
    with tenant_context(tenant_a):
        make_user("vergessen@example.org")
    client = Client(HTTP_HOST="alpha.localhost:6666")
    response = client.post("/konto/password/reset/", {"email": "vergessen@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    links = re.findall(r"\S+://\S+", body)
    assert links, body
    assert all(link.startswith("https://alpha.localhost:8443/") for link in links), links
    assert "6666" not in body
    assert re.search(r"https://alpha\.localhost:8443/konto/password/reset/key/\S+", body)


def test_signup_mails_link_to_the_tenants_domain(tenant_a, settings):
    from django.test import Client

    settings.PORTAL_URL_PORT = "8000"
    with tenant_context(tenant_a):
        make_user("doppelt@example.org")
    client = Client(HTTP_HOST="alpha.localhost:6666")
    for email in ("frisch@example.org", "doppelt@example.org"):
        client.post("/konto/signup/", {
            "email": email, "password1": PASSWORD, "password2": PASSWORD,
        })
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "6666" not in message.body, message.body
        assert "http://alpha.localhost:8000/konto/" in message.body, message.body
