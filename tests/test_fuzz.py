"""Hostile input on every public form of both test tenants and of the platform host.

The forms are found, not listed: ``discover_forms`` crawls each tenant from its home
page and the known entry points (``ENTRY_POINTS`` plus the per-run URLs of
``_entry_urls``: event pages, participant links, e-mail confirmation, second factor)
and collects every ``<form method="post">``. A new form on a reachable page is fuzzed
without touching this file; a form behind a link nobody can crawl (a signed link)
gets its entry point added in ``_entry_urls``.

The corpus (../shared/corpus/hostile_inputs.json) is sampled, not crossed: every
string goes once into all text fields of every form, alternating between the two
tenants. Then every form gets the structural attacks of ``STRUCTURAL``: 1 MB fields,
a body over Django's size limit, odd charsets, invalid UTF-8, NUL bytes, duplicate
fields, too many fields, a missing or forged CSRF token.

What must hold, collected over the whole run and reported together:
never a 5xx; every HTML answer German (``lang="de"``); a redisplayed form keeps
what was typed; no redirect to another host; nothing stored renders active (the
participants' own pages and the back office list, after the run).
"""

import re
import secrets
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_tenants.utils import schema_context, tenant_context

from .conftest import TENANTS, hostile_strings
from .events.conftest import make_event
from .factories import PASSWORD, add_totp, make_authority, make_user

# Public pages with forms that a crawl from the home page does not reach.
ENTRY_POINTS = ["/", "/verfahren/", "/konto/login/", "/konto/signup/", "/konto/password/reset/"]
PLATFORM_ENTRY_POINTS = ["/", "/konto/login/"]
NOT_CRAWLED = ("/admin/", "/konto/logout/", "/static/", "/media/", "/dokumente/", "/demo/",
               "/django-admin/")
TEXT_TYPES = {"text", "email", "search", "tel", "url", "password", "textarea", ""}
MAX_PAGES = 60
# Beside the corpus: an address of valid form but longer than the 254 characters allowed.
EXTRA_STRINGS = ["a" * 64 + "@" + ("b" * 60 + ".") * 4 + "de"]


# --- Discovery -----------------------------------------------------------------------------

class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms, self._form, self._select = [], [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(),
                          "action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button"):
            if not a.get("name"):
                return
            kind = (a.get("type") or ("textarea" if tag == "textarea" else "")).lower()
            if tag == "button":
                kind = "submit"
            if tag == "select":
                kind = "select"
                self._select = {"name": a["name"], "type": kind, "value": None}
                self._form["fields"].append(self._select)
                return
            self._form["fields"].append({"name": a["name"], "type": kind, "value": a.get("value")})
        elif tag == "option" and self._select is not None and self._select["value"] is None:
            self._select["value"] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _parse(html):
    parser = _PageParser()
    parser.feed(html)
    return parser


def discover_forms(client, entry_points):
    """Every POST form on pages reachable from ``entry_points`` (same host, anonymous)."""
    queue, seen, forms = list(entry_points), set(), {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen or re.search(r"\.(ics|png|pdf|xml)$", path):
            continue
        seen.add(path)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _parse(response.content.decode())
        for form in page.forms:
            if form["method"] != "post":
                continue
            action = urlsplit(urljoin(url, unescape(form["action"]))).path
            key = (action, tuple(sorted(f["name"] for f in form["fields"])))
            forms.setdefault(key, {"page": url, "action": action, "fields": form["fields"]})
        for link in page.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if (parts.scheme in ("", "http") and parts.netloc in ("", client.defaults["HTTP_HOST"])
                    and not parts.path.startswith(NOT_CRAWLED)):
                queue.append(parts.path)
    return list(forms.values())


# --- Posting -----------------------------------------------------------------------------

class Run:
    """Posts, checks each answer and collects the problems of the whole run."""

    def __init__(self, host):
        self.host = host
        self.problems = []
        self.counter = 0
        self._sessions = {}

    def client(self):
        return Client(HTTP_HOST=self.host, enforce_csrf_checks=True, raise_request_exception=False)

    def token(self, client, form):
        page = client.get(form["page"])
        if page.status_code != 200:
            return None
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
        return match[1] if match else None

    def valid_data(self, form, token):
        self.counter += 1
        data = {}
        for field in form["fields"]:
            name, kind, value = field["name"], field["type"], field["value"]
            if name == "csrfmiddlewaretoken":
                data[name] = token or ""
            elif kind in ("checkbox", "radio"):
                data.setdefault(name, value or "on")
            elif kind in ("hidden", "select", "submit"):
                data.setdefault(name, value or "")
            elif "email" in name or name == "login" or kind == "email":
                data[name] = f"fuzz{self.counter}@example.org"
            elif "password" in name or kind == "password":
                data[name] = PASSWORD
            elif name == "code":
                data[name] = "123456"
            else:
                data[name] = "Erika Fuzz"
        return data

    def text_fields(self, form):
        return [f["name"] for f in form["fields"] if f["type"] in TEXT_TYPES]

    def check(self, case, form, response, typed=None):
        where = f"{self.host} {form['action']} [{case}]"
        status = response.status_code
        if status >= 500:
            self.problems.append(f"{where}: {status}")
            return
        if status in (301, 302, 303):
            location = urlsplit(response["Location"])
            if location.netloc and location.netloc.split(":")[0] != self.host:
                self.problems.append(f"{where}: redirect to another host {response['Location']}")
            return
        if "html" not in response.get("Content-Type", ""):
            return
        html = response.content.decode(errors="replace")
        if 'lang="de"' not in html:
            self.problems.append(f"{where}: {status} answer not German")
        for name, value in (typed or {}).items():
            if status == 200 and f'name="{name}"' in html and not _kept(value, html):
                self.problems.append(f"{where}: field {name!r} lost {value[:40]!r}")

    def session(self, form):
        """A client that has loaded the form's page, and its CSRF token (reused)."""
        if form["action"] not in self._sessions:
            client = self.client()
            self._sessions[form["action"]] = (client, self.token(client, form))
        return self._sessions[form["action"]]

    def post(self, case, form, data=None, *, client=None, token=True, keep_check=False, **extra):
        if client is not None:
            csrf = self.token(client, form)
        elif token:
            client, csrf = self.session(form)
        else:
            client, csrf = self.client(), None
        body = self.valid_data(form, csrf) if data is None else data(self.valid_data(form, csrf))
        typed = None
        if keep_check:
            typed = {k: v for k, v in body.items()
                     if k in self.text_fields(form) and "password" not in k and isinstance(v, str)}
        response = client.post(form["action"], body, **extra)
        if response.status_code in (302, 303):
            self._sessions.pop(form["action"], None)  # logged in or moved on: start afresh
        self.check(case, form, response, typed)
        return response


def _kept(value, html):
    candidates = {value, value.replace("\r\n", "\n"), value.replace("\r", "\n")}
    return any(escape(c) in html or c in html for c in candidates)


def _with(value, fields):
    def fill(data):
        return data | dict.fromkeys(fields, value)
    return fill


def _raw(run, form, body, content_type):
    client, token = run.session(form)
    token = token or ""
    if b"TOKEN" in body:
        body = body.replace(b"TOKEN", token.encode())
    return client.generic("POST", form["action"], body, content_type=content_type)


def _structural(run, form):
    """The attacks that are not strings of the corpus."""
    fields = run.text_fields(form) or [f["name"] for f in form["fields"]][:1]
    first = fields[0] if fields else "x"
    run.post("1 MB in a field", form, _with("x" * 1_000_000, fields[:1]), keep_check=True)
    run.post("NUL bytes", form, _with("Erika\x00Fuzz", fields), keep_check=True)
    run.post("duplicate fields", form,
             lambda d: {k: [v, "zweiter Wert"] for k, v in d.items() if k != "csrfmiddlewaretoken"}
             | {"csrfmiddlewaretoken": d.get("csrfmiddlewaretoken", "")})
    run.post("missing CSRF token", form, lambda d: {k: v for k, v in d.items()
                                                    if k != "csrfmiddlewaretoken"})
    run.post("forged CSRF token", form, lambda d: d | {"csrfmiddlewaretoken": secrets.token_hex(32)})
    run.post("no CSRF cookie", form, token=False)
    form_ct = "application/x-www-form-urlencoded"
    run.check("charset=latin-1", form, _raw(
        run, form, f"csrfmiddlewaretoken=TOKEN&{first}=M%FCller".encode(), form_ct + "; charset=latin-1"))
    run.check("charset=utf-16", form, _raw(
        run, form, f"csrfmiddlewaretoken=TOKEN&{first}=x".encode(), form_ct + "; charset=utf-16"))
    run.check("unknown charset", form, _raw(
        run, form, f"csrfmiddlewaretoken=TOKEN&{first}=x".encode(), form_ct + "; charset=x-klingon"))
    run.check("invalid UTF-8 (urlencoded)", form, _raw(
        run, form, f"csrfmiddlewaretoken=TOKEN&{first}=%FF%FE%C3".encode(), form_ct))
    run.check("invalid UTF-8 (multipart)", form, _raw(
        run, form,
        b"--xx\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\nTOKEN\r\n"
        b"--xx\r\nContent-Disposition: form-data; name=\"" + first.encode() + b"\"\r\n\r\n\xff\xfe\xc3\r\n"
        b"--xx--\r\n", "multipart/form-data; boundary=xx"))
    run.check("broken multipart", form,
              _raw(run, form, b"--xx\r\ngarbage", "multipart/form-data; boundary=xx"))
    run.check("body over the size limit", form, _raw(
        run, form, b"csrfmiddlewaretoken=TOKEN&" + first.encode() + b"=" + b"x" * 2_700_000, form_ct))
    run.check("too many fields", form, _raw(
        run, form, b"csrfmiddlewaretoken=TOKEN&" + b"&".join(b"f%d=1" % i for i in range(1100)), form_ct))


def fuzz(run, forms, strings, offset=0):
    """Each string once per form: into one text field (turn by turn, the others valid, so
    it gets past validation of the rest), every third string into all text fields at once."""
    for form in forms:
        fields = run.text_fields(form)
        for i, value in enumerate(strings if fields else []):
            field = fields[(i + offset) % len(fields)]
            run.post(f"corpus {value[:30]!r} in {field}", form, _with(value, [field]), keep_check=True)
            if i % 4 == 0:
                run.post(f"corpus {value[:30]!r} everywhere", form, _with(value, fields), keep_check=True)
        for value in EXTRA_STRINGS:
            for field in fields:
                run.post(f"{value[:30]!r}... in {field}", form, _with(value, [field]), keep_check=True)
        _structural(run, form)


# --- The run -----------------------------------------------------------------------------

def _entry_urls(tenant, index):
    """Forms behind links that no crawl reaches: event pages, participant links, e-mail
    confirmation, second factor (a separate logged-in-with-password client)."""
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    from modules.events import services

    from .events.conftest import data

    with tenant_context(tenant):
        authority = make_authority(f"Amt für Fuzzing {index}")
        event = make_event(authority, title="Fuzz-Versammlung", capacity=5000, waitlist_enabled=True)
        registrations = [services.register(event, data(f"link{i}@example.org")) for i in range(3)]
        make_user(f"unbestaetigt{index}@example.org", verified=False)
        address = EmailAddress.objects.get(email=f"unbestaetigt{index}@example.org")
        confirm_key = EmailConfirmationHMAC(address).key
        mfa_user = make_user(f"zweiter{index}@example.org")
        add_totp(mfa_user)
        urls = [event.url, f"/veranstaltungen/{event.pk}/anmeldung/",
                reverse("account_confirm_email", args=[confirm_key])]
        for registration in registrations:
            signed = services.signed_token(registration)
            urls += [reverse("events:manage", args=[signed]), reverse("events:confirm", args=[signed])]
    return event, urls, mfa_user.email


def _mfa_form(run, email):
    client = run.client()
    token = run.token(client, {"page": "/konto/login/"})
    response = client.post("/konto/login/", {"login": email, "password": PASSWORD,
                                             "csrfmiddlewaretoken": token})
    assert response["Location"] == "/konto/2fa/authenticate/"
    page = client.get("/konto/2fa/authenticate/")
    form = next(f for f in _parse(page.content.decode()).forms if f["method"] == "post")
    return client, {"page": "/konto/2fa/authenticate/", "action": "/konto/2fa/authenticate/",
                    "fields": form["fields"]}


def _stored_values_render_inert(run, tenant, event, xss):
    """The participants' own pages and the back office list show hostile names as text."""
    from modules.events import services
    from modules.events.models import Registration

    from .test_headers import login_editor

    cache.clear()  # the run has used up the login rate limit of this client address
    with tenant_context(tenant):
        signed = [services.signed_token(r) for r in Registration.objects.filter(event=event)]
        editor = Client(HTTP_HOST=run.host)
        login_editor(editor, f"fuzz-redaktion@{tenant.schema_name}.de")
    pages = [run.client().get(reverse("events:manage", args=[s])) for s in signed]
    pages.append(editor.get(f"/admin/veranstaltungen/{event.pk}/"))
    stored = 0
    for response in pages:
        html = response.content.decode()
        stored += sum(escape(x) in html for x in xss)
        for attack in xss:
            if "<" in attack and attack in html:
                run.problems.append(f"{run.host} {response.request['PATH_INFO']}: renders {attack!r}")
        if re.search(r"<[a-z][^>]*\s(onerror|onload|ontoggle)\s*=", html, re.I):
            run.problems.append(f"{run.host} {response.request['PATH_INFO']}: active event handler")
    assert stored, "no hostile name was stored: the check above proved nothing"


@pytest.mark.slow
def test_hostile_input_on_every_public_form(tenant_a, tenant_b, hostile_inputs, settings):
    # Fast password hashing: the run logs in and signs up hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    strings = hostile_strings(hostile_inputs)
    xss = hostile_inputs["xss"]
    xss = list(xss.values()) if isinstance(xss, dict) else xss
    problems, discovered = [], {}
    for index, tenant in enumerate((tenant_a, tenant_b)):
        run = Run(TENANTS[tenant.schema_name]["domain"])
        event, urls, mfa_email = _entry_urls(tenant, index)
        connection.set_tenant(tenant)
        forms = discover_forms(run.client(), ENTRY_POINTS + urls)
        discovered[tenant.schema_name] = sorted({f["action"] for f in forms})
        mfa_client, mfa_form = _mfa_form(run, mfa_email)  # before login's rate limit kicks in
        # Every string once per form, alternating tenants: the corpus is covered once.
        fuzz(run, forms, strings[index::2], offset=index)
        for value in strings[index::4]:
            run.post(f"2FA {value[:30]!r}", mfa_form, _with(value, ["code"]), client=mfa_client)
        # The event page takes the registration POST too (its form posts to the lean page).
        registration = next(f for f in forms if f["action"] == f"/veranstaltungen/{event.pk}/anmeldung/")
        fuzz(run, [dict(registration, action=event.url, page=event.url)], strings[index::4])
        # Stored: hostile names in the registration, then shown back.
        for attack in xss:
            run.post("stored name", registration, lambda d, a=attack: d | {"name": a})
        _stored_values_render_inert(run, tenant, event, xss)
        problems += run.problems

    with schema_context("public"):
        run = Run("localhost")
        forms = discover_forms(run.client(), PLATFORM_ENTRY_POINTS)
        discovered["platform"] = sorted({f["action"] for f in forms})
        fuzz(run, forms, strings[::3])
        problems += run.problems

    report = "\n".join(sorted(set(problems)))
    if problems:
        print(f"{len(problems)} problems:\n{report}")
    # The crawl found the forms it must find (and would find new ones).
    for schema in ("alpha", "beta"):
        found = discovered[schema]
        for expected in ("/i18n/setlang/", "/konto/login/", "/konto/signup/", "/konto/password/reset/"):
            assert expected in found, (schema, found)
        assert any(a.startswith("/veranstaltungen/anmeldung/") and a.endswith("/stornieren/")
                   for a in found), found
        assert any(a.endswith("/loeschen/") for a in found), found
        assert any(a.startswith("/konto/confirm-email/") for a in found), found
        assert any(a.endswith("/anmeldung/") and a.startswith("/veranstaltungen/") for a in found)
    assert "/konto/login/" in discovered["platform"], discovered["platform"]
    assert not problems, f"{len(problems)} problems:\n" + report


# --- The single findings, each on its own ------------------------------------------------

def _csrf_client(host, page):
    client = Client(HTTP_HOST=host, enforce_csrf_checks=True, raise_request_exception=False)
    response = client.get(page)
    return client, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


@pytest.mark.parametrize("host, url, layout", [
    ("alpha.localhost", "/konto/login/", "Land Alpha"),
    ("localhost", "/konto/login/", "</main>"),
])
def test_form_post_in_latin1_answers_german_400_not_500(tenant_a, host, url, layout):
    """Django refuses non-UTF-8 form bodies with a 400, but its 400 view read the body a
    second time (CSRF check of the error view) and answered 500."""
    client, token = _csrf_client(host, url)
    response = client.generic(
        "POST", url, f"csrfmiddlewaretoken={token}&login=M%FCller&username=M%FCller".encode(),
        content_type="application/x-www-form-urlencoded; charset=latin-1")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Die Anfrage konnte nicht verarbeitet werden" in html
    assert 'lang="de"' in html and layout in html


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=", "multipart/form-data"])
def test_broken_multipart_answers_german_400_without_a_traceback(tenant_a, content_type, caplog):
    client, token = _csrf_client("alpha.localhost", "/konto/login/")
    response = client.generic("POST", "/konto/login/", b"--x\r\n", content_type=content_type)
    assert response.status_code == 400
    assert "Die Anfrage konnte nicht verarbeitet werden" in response.content.decode()
    assert not [r for r in caplog.records if r.exc_info], "a traceback per request floods the log"


def test_too_many_fields_answer_german_400(tenant_a):
    client, token = _csrf_client("alpha.localhost", "/konto/login/")
    body = f"csrfmiddlewaretoken={token}&" + "&".join(f"f{i}=1" for i in range(1500))
    response = client.generic("POST", "/konto/login/", body.encode(),
                              content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "Die Anfrage konnte nicht verarbeitet werden" in response.content.decode()


@pytest.mark.parametrize("token", ["", "forged"])
def test_missing_or_forged_csrf_token_gets_german_page_in_portal_layout(tenant_a, token):
    client, _token = _csrf_client("alpha.localhost", "/konto/login/")
    data = {"login": "anna@example.org", "password": "x"}
    if token:
        data["csrfmiddlewaretoken"] = secrets.token_hex(32)
    response = client.post("/konto/login/", data)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Das Formular ist abgelaufen" in html
    assert "Land Alpha" in html and 'lang="de"' in html


def test_rate_limit_page_is_german(tenant_a):
    client = Client(HTTP_HOST="alpha.localhost")
    for _ in range(25):  # sign-up allows 20 a minute per address
        response = client.post("/konto/signup/", {"email": "niemand@example.org", "password1": "x"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Zu viele Versuche" in html and 'lang="de"' in html
