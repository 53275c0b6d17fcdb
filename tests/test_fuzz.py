"""Hostile input on every public form of both test tenants and of the platform host.

The forms are found, not listed: ``discover_forms`` crawls each tenant from its home
page and the known entry points (``ENTRY_POINTS`` plus the per-run URLs of
``_entry_urls``: event pages, participant links, e-mail confirmation, second factor,
two open dialogs with posts) and collects every ``<form>``; a verified
participant crawls the account dialog once more for the forms only members see
(contribute, reply, rate, edit and delete their own posts). One form per route and
set of fields: the same form under another post's id is the same code. A new form on a
reachable page is fuzzed without touching this file; a form behind a link nobody can
crawl (a signed link) gets its entry point added in ``_entry_urls``.

The corpus (../shared/corpus/hostile_inputs.json) is sampled, not crossed: every
string goes once into all text fields of every form (into the hidden, select and button
values of a form without text fields; into the fields of a search or filter form sent
with GET), alternating between the two tenants. Then every POST form gets the
structural attacks of ``_structural``: 1 MB fields, a body over Django's size limit,
odd charsets, invalid UTF-8, NUL bytes, duplicate fields, too many fields, a missing or
forged CSRF token, odd choices, a foreign ``next``, a filled honeypot, hostile uploads.
The spam allowances are raised for the run (the corpus is to reach the services, not
the rate limit), and set to one at the end, where every spam-protected form must
answer 429 with the text kept.

What must hold, collected over the whole run and reported together:
never a 5xx; every HTML answer German (``lang="de"``); a form shown again keeps what
was typed; no redirect to another host; nothing stored renders active (the
participants' own pages, the dialogs' pages, the back office lists and the dialogs'
moderation queues, after the run) and no exported cell starts a formula.
"""

import csv
import functools
import io
import re
import secrets
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_tenants.utils import schema_context, tenant_context

from beteiligung.participation.spam import HONEYPOT_FIELD

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
# Into the choices, hidden values and buttons of a form that has text fields as well.
OTHER_VALUES = ["' OR '1'='1\u0000", "²", "9" * 30]
# Stored beside the corpus's XSS, for the exports: what a spreadsheet would run.
FORMULAS = ['=HYPERLINK("http://evil.example/")', "+1+1", "-2+3", "@SUM(A1)"]


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


class _ActiveParser(HTMLParser):
    """What a browser would run in a page: event handler attributes, and links, sources
    and form targets with a ``javascript:`` or ``data:text/html`` address."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            address = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or (name in self.URL_ATTRIBUTES and address.startswith(
                    ("javascript:", "data:text/html"))):
                self.found.append(f"<{tag} {name}={(value or '')[:30]!r}>")


def active_content(html):
    parser = _ActiveParser()
    parser.feed(html)
    return parser.found


def discover_forms(client, entry_points, within=None):
    """Every form on pages reachable from ``entry_points`` (same host, as ``client``:
    anonymous or logged in); with ``within`` (path prefixes) only links and forms there.
    One form per method, route and set of fields (post ids count as one route)."""
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
            action = urlsplit(urljoin(url, unescape(form["action"]))).path
            if within and not action.startswith(within):
                continue
            found = {"page": url, "action": action, "fields": form["fields"],
                     "method": "get" if form["method"] == "get" else "post"}
            forms.setdefault(form_key(found), found)
        for link in page.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if (parts.scheme in ("", "http") and parts.netloc in ("", client.defaults["HTTP_HOST"])
                    and not parts.path.startswith(NOT_CRAWLED)
                    and (not within or parts.path.startswith(within))):
                queue.append(parts.path)
    return list(forms.values())


def form_key(form):
    return (form.get("method", "post"), re.sub(r"/\d+/", "/<id>/", form["action"]),
            tuple(sorted(f["name"] for f in form["fields"])))


# --- Posting -----------------------------------------------------------------------------

class Run:
    """Posts, checks each answer and collects the problems of the whole run; with ``user``
    every client is logged in as that participant."""

    def __init__(self, host, user=None):
        self.host = host
        self.user = user
        self.problems = []
        self.counter = 0
        self.middleware_tried = False  # see _structural
        self._sessions = {}

    def client(self):
        client = Client(HTTP_HOST=self.host, enforce_csrf_checks=True, raise_request_exception=False)
        if self.user is not None:
            client.force_login(self.user)
        return client

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
            elif name == HONEYPOT_FIELD:
                data[name] = ""  # what people leave empty (a robot fills it: see _structural)
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
        return [f["name"] for f in form["fields"]
                if f["type"] in TEXT_TYPES and f["name"] != HONEYPOT_FIELD]

    def value_fields(self, form):
        """Hidden values, choices and buttons: what a browser sends as the page set it."""
        return sorted({f["name"] for f in form["fields"]
                       if f["type"] in ("hidden", "select", "submit", "radio", "checkbox")
                       and f["name"] != "csrfmiddlewaretoken"})

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
        # Whatever the status (a refusal, a rate limit): a form shown again keeps the text.
        for name, value in (typed or {}).items():
            if f'name="{name}"' in html and not _kept(value, html):
                self.problems.append(f"{where}: {status} field {name!r} lost {value[:40]!r}")

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
        session = client.cookies.get(django_settings.SESSION_COOKIE_NAME)
        response = client.post(form["action"], body, **extra)
        if (response.status_code in (302, 303)
                and client.cookies.get(django_settings.SESSION_COOKIE_NAME) != session):
            self._sessions.pop(form["action"], None)  # logged in or out: start afresh
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


@functools.cache
def _png(size=(2, 2), mode="RGB"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


def _uploads(run, form, filenames):
    """A real image under hostile names, what only claims to be an image, and a few
    kilobytes that unpack to 144 million pixels."""
    files = [f["name"] for f in form["fields"] if f["type"] == "file"]
    png = _png()
    attempts = [(name, png, "image/png") for name in filenames]
    attempts += [("bild.png", _png((12_000, 12_000), "1"), "image/png"),
                 ("bild.png", b"<svg onload=alert(1)>", "image/png"),
                 ("bild.png", png[:20], "image/png"),
                 ("bild.html", b"<script>alert(1)</script>", "text/html")]
    for field_name in files:
        for name, content, content_type in attempts:
            run.post(f"upload {name[:30]!r}", form,
                     lambda d, f=field_name, n=name, c=content, t=content_type:
                     d | {f: SimpleUploadedFile(n, c, content_type=t)}, keep_check=True)


def _structural(run, form, filenames=()):
    """The attacks that are not strings of the corpus."""
    fields = run.text_fields(form) or [f["name"] for f in form["fields"]][:1]
    first = fields[0] if fields else "x"
    run.post("1 MB in a field", form, _with("x" * 1_000_000, fields[:1]), keep_check=True)
    run.post("NUL bytes", form, _with("Erika\x00Fuzz", fields), keep_check=True)
    run.post("duplicate fields", form,
             lambda d: {k: [v, "zweiter Wert"] for k, v in d.items() if k != "csrfmiddlewaretoken"}
             | {"csrfmiddlewaretoken": d.get("csrfmiddlewaretoken", "")})
    missing = run.post("missing CSRF token", form, lambda d: {k: v for k, v in d.items()
                                                              if k != "csrfmiddlewaretoken"})
    # What the CSRF middleware answers before any view (it reads the body for the token):
    # the same code for every protected form of a run, tried on the first one. A form it
    # does not protect gets it all.
    protected = missing.status_code == 403
    if not (protected and run.middleware_tried):
        run.middleware_tried = protected
        _before_the_view(run, form, first)
    values = run.value_fields(form)
    for value in OTHER_VALUES if run.text_fields(form) and values else ():
        run.post(f"{value!r} in the other values", form, _with(value, values), keep_check=True)
    for target in ("https://evil.example/", "//evil.example/"):
        run.post(f"next={target}", form, lambda d, t=target: d | {"next": t}, keep_check=True)
    if any(f["name"] == HONEYPOT_FIELD for f in form["fields"]):
        run.post("honeypot filled", form, lambda d: d | {HONEYPOT_FIELD: "http://spam.example/"},
                 keep_check=True)
    _uploads(run, form, filenames)
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


def _before_the_view(run, form, first):
    """A forged token, no cookie, and bodies the middleware cannot read for the token."""
    form_ct = "application/x-www-form-urlencoded"
    run.post("forged CSRF token", form, lambda d: d | {"csrfmiddlewaretoken": secrets.token_hex(32)})
    run.post("no CSRF cookie", form, token=False)
    run.check("broken multipart", form,
              _raw(run, form, b"--xx\r\ngarbage", "multipart/form-data; boundary=xx"))
    run.check("body over the size limit", form, _raw(
        run, form, b"csrfmiddlewaretoken=TOKEN&" + first.encode() + b"=" + b"x" * 2_700_000, form_ct))
    run.check("too many fields", form, _raw(
        run, form, b"csrfmiddlewaretoken=TOKEN&" + b"&".join(b"f%d=1" % i for i in range(1100)), form_ct))


def fuzz(run, forms, strings, offset=0, filenames=()):
    """Each string once per form: into one text field (turn by turn, the others valid, so
    it gets past validation of the rest), every fourth string into all text fields at
    once. A form without text fields gets the strings in its other values instead; a
    search or filter form (GET) gets each string once in one of its fields."""
    for form in forms:
        if form["method"] == "get":
            _search(run, form, strings, offset)
            continue
        fields = run.text_fields(form) or run.value_fields(form)
        for i, value in enumerate(strings if fields else []):
            field = fields[(i + offset) % len(fields)]
            run.post(f"corpus {value[:30]!r} in {field}", form, _with(value, [field]), keep_check=True)
            if i % 4 == 0:
                run.post(f"corpus {value[:30]!r} everywhere", form, _with(value, fields), keep_check=True)
        for value in EXTRA_STRINGS:
            for field in run.text_fields(form):
                run.post(f"{value[:30]!r}... in {field}", form, _with(value, [field]), keep_check=True)
        _structural(run, form, filenames)


def _search(run, form, strings, offset):
    """A search or filter form (GET): each string once, in one field, the others valid."""
    fields = sorted({f["name"] for f in form["fields"] if f["type"] != "submit"})
    client = run.client()
    valid = {k: v for k, v in run.valid_data(form, "").items() if k in fields}
    for i, value in enumerate(strings + EXTRA_STRINGS if fields else []):
        field = fields[(i + offset) % len(fields)]
        run.check(f"search {value[:30]!r} in {field}", form,
                  client.get(form["action"], valid | {field: value}))


def _spam_allowance(tenant, per_hour):
    """The tenant's spam allowances, all set to ``per_hour``."""
    from wagtail.models import Site

    from beteiligung.participation.spam import SpamProtectionSettings

    with tenant_context(tenant):
        setting = SpamProtectionSettings.for_site(Site.objects.get(is_default_site=True))
        setting.posts_per_account_per_hour = per_hour
        setting.posts_per_address_per_hour_with_pow = per_hour
        setting.posts_per_address_per_hour_without_pow = per_hour
        setting.save()


def _rate_limited(run, forms):
    """With an allowance of one an hour: every spam-protected form answers 429 at the
    second post at the latest, and shows the text again."""
    for form in forms:
        if any(f["name"] == HONEYPOT_FIELD for f in form["fields"]):
            statuses = [run.post("rate limited", form, keep_check=True).status_code
                        for _attempt in range(2)]
            if 429 not in statuses:
                run.problems.append(f"{run.host} {form['action']}: {statuses}, no 429 with an "
                                    "allowance of one")


# --- The run -----------------------------------------------------------------------------

@dataclass
class Dialogs:
    """The two open dialogs of a tenant's run and who takes part in them."""

    by_email: object
    by_account: object
    member: object
    contribution: object  # by another participant, in the account dialog, with comments
    urls: list  # the anonymous crawl's entry points
    member_urls: list  # the participant's


def _dialogs(authority, index):
    """One dialog in e-mail mode and one in account mode (post-moderation), each with a
    category and a published contribution with a comment; a verified participant with a
    contribution of their own (its edit and delete forms)."""
    from modules.dialog import services
    from modules.dialog.pages import DialogCategory

    from .dialog.conftest import make_dialog, make_post

    member = make_user(f"teilnehmerin{index}@example.org", first_name="Tina", last_name="Fuzz")
    other = make_user(f"andere{index}@example.org", first_name="Bernd", last_name="Andere")
    by_email = make_dialog(authority, title="Fuzz-Dialog per E-Mail", participation_mode="email")
    # Reports never hide a post here: the run's order must not decide what stays answerable.
    by_account = make_dialog(authority, title="Fuzz-Dialog mit Konto", report_threshold=1000)
    for dialog in (by_email, by_account):
        DialogCategory.objects.create(page=dialog, name="Verkehr")
    mailed = make_post(by_email, author_name="Erika Muster", author_email="erika@example.org",
                       email_key="erika@example.org", notify_replies=True)
    make_post(by_email, "Ein Kommentar per E-Mail.", parent=mailed, author_name="Otto Normal")
    contribution = make_post(by_account, author=other, author_name="Bernd Andere")
    make_post(by_account, "Ein Kommentar mit Konto.", parent=contribution, author=other,
              author_name="Bernd Andere")
    own = make_post(by_account, "Mein eigener Beitrag.", title="Eigener Beitrag", author=member,
                    author_name="Tina Fuzz")
    urls = [by_email.url, f"{by_email.url}beitragen/", f"{by_email.url}beitrag/{mailed.pk}/",
            by_account.url, f"{by_account.url}beitrag/{contribution.pk}/",
            reverse("dialog:unsubscribe", args=[services.unsubscribe_link(mailed)])]
    member_urls = [by_account.url, f"{by_account.url}beitragen/",
                   f"{by_account.url}beitrag/{contribution.pk}/", f"{by_account.url}beitrag/{own.pk}/"]
    return Dialogs(by_email, by_account, member, contribution, urls, member_urls)


def _entry_urls(tenant, index):
    """Forms behind links that no crawl reaches: event pages, participant links, e-mail
    confirmation, second factor (a separate logged-in-with-password client), dialogs."""
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
        dialogs = _dialogs(authority, index)
    return event, urls + dialogs.urls, mfa_user.email, dialogs


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


def _editor(run, tenant):
    """A logged-in editor of the tenant (for the back office pages) and their user."""
    from .test_headers import login_editor

    cache.clear()  # the run has used up the login rate limit of this client address
    with tenant_context(tenant):
        editor = Client(HTTP_HOST=run.host)
        user = login_editor(editor, f"fuzz-redaktion@{tenant.schema_name}.de")
    return editor, user


def _inert(run, responses, xss, *, all_found=False):
    """Problems where a stored attack renders active (and, with ``all_found``, where a
    page is missing); -> how many attacks were shown."""
    stored = 0
    for response in responses:
        html = response.content.decode()
        where = f"{run.host} {response.request['PATH_INFO']}"
        if all_found and response.status_code != 200:
            run.problems.append(f"{where}: {response.status_code} instead of the page")
        stored += sum(escape(x) in html for x in xss)
        for attack in xss:
            if "<" in attack and attack in html:
                run.problems.append(f"{where}: renders {attack!r}")
        for active in active_content(html):
            run.problems.append(f"{where}: active content {active}")
    return stored


def _stored_values_render_inert(run, tenant, event, xss, editor):
    """The participants' own pages and the back office list show hostile names as text."""
    from modules.events import services
    from modules.events.models import Registration

    with tenant_context(tenant):
        signed = [services.signed_token(r) for r in Registration.objects.filter(event=event)]
    pages = [run.client().get(reverse("events:manage", args=[s])) for s in signed]
    pages.append(editor.get(f"/admin/veranstaltungen/{event.pk}/"))
    assert _inert(run, pages, xss), "no hostile name was stored: the check above proved nothing"


def _form_for(forms, action):
    return next(f for f in forms if f["action"] == action)


def _dialog_stored_values_render_inert(run, member, forms, member_forms, tenant, dialogs, xss,
                                       editor):
    """Hostile titles, texts, names, report and hiding reasons, stored through the forms
    (and the moderation service), then shown: the dialogs' pages and threads to visitors
    and to their author, the confirmation page, the author's edit page, the moderation
    queue and statistics in the Wagtail admin; and the exports without formulas."""
    from beteiligung.participation.moderation import Visibility
    from modules.dialog import moderation, services
    from modules.dialog.models import Post

    editor_client, editor_user = editor
    by_email, by_account = dialogs.by_email.url, dialogs.by_account.url
    values = xss + FORMULAS
    contribute = _form_for(member_forms, f"{by_account}beitragen/")
    reply = next(f for f in member_forms if f["action"].endswith("/antworten/"))
    mailed = _form_for(forms, f"{by_email}beitragen/")
    with tenant_context(tenant):
        last = Post.objects.order_by("-pk").values_list("pk", flat=True).first()
    for value in values:
        member.post("stored contribution", contribute,
                    lambda d, v=value: d | {"title": v, "text": v})
    for value in xss:
        member.post("stored comment", reply, lambda d, v=value: d | {"text": v})
        run.post("stored by e-mail", mailed,
                 lambda d, v=value: d | {"name": v, "title": v, "text": v, "privacy_consent": "on"})
    with tenant_context(tenant):
        posts = {p.pk: p for p in Post.objects.filter(pk__gt=last, depth=0)}
        unconfirmed = [p for p in posts.values() if p.visibility == Visibility.UNCONFIRMED]
        confirm_urls = [reverse("dialog:confirm", args=[services.confirm_link(p)])
                        for p in unconfirmed]
        ours = [p for p in posts.values() if p.author_id == dialogs.member.pk]
        for post, reason in zip(ours[len(ours) // 2:], values, strict=False):
            moderation.hide(post, editor_user, reason[:500])
    report = next(f for f in forms if f["action"].endswith("/melden/")
                  and f["action"].startswith(by_account))
    published = ours[:len(ours) // 2]
    for post, value in zip(published, values, strict=False):
        action = f"{by_account}beitrag/{post.pk}/melden/"
        run.post("stored report", dict(report, action=action, page=action),
                 lambda d, v=value: d | {"reason": v})
    assert unconfirmed and ours, "the stored contributions were refused"

    visitor, author = run.client(), member.client()
    pages = [visitor.get(url) for url in confirm_urls]
    for url in (by_email, by_account, f"{by_account}?sortierung=diskutiert",
                f"{by_account}beitrag/{dialogs.contribution.pk}/"):
        pages += [visitor.get(url), author.get(url)]
    for post in posts.values():
        base = by_account if post.dialog_id == dialogs.by_account.pk else by_email
        pages += [visitor.get(f"{base}beitrag/{post.pk}/")]
    for post in ours[:3] + ours[-3:]:  # their own threads, with edit links (and hidden ones)
        pages += [author.get(f"{by_account}beitrag/{post.pk}/")]
    pages += [author.get(f"{by_account}beitrag/{published[0].pk}/bearbeiten/")]
    public = _inert(run, pages, xss, all_found=True)
    admin = []
    for dialog in (dialogs.by_email, dialogs.by_account):
        for tab in ("recent", "reported", "hidden", "pending"):
            admin.append(editor_client.get(f"/admin/dialog/{dialog.pk}/moderation/?tab={tab}"))
        admin.append(editor_client.get(f"/admin/dialog/{dialog.pk}/statistik/"))
    back_office = _inert(run, admin, xss, all_found=True)
    assert public and back_office, "no hostile text was shown: the check above proved nothing"
    guarded = 0
    for dialog in (dialogs.by_email, dialogs.by_account):
        for kind in ("posts", "ratings"):
            for fmt in ("csv", "xlsx"):
                path = f"/admin/dialog/{dialog.pk}/export/{kind}.{fmt}"
                cells = _exported_cells(run, path, editor_client.get(path), fmt)
                guarded += sum(f"'{value}" in cells for value in FORMULAS)
                for cell in cells:
                    if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-\d+", cell):
                        run.problems.append(f"{run.host} {path}: cell starts a formula {cell[:40]!r}")
    assert guarded, "no formula was exported: the check above proved nothing"


def _exported_cells(run, path, response, fmt):
    if response.status_code != 200:
        run.problems.append(f"{run.host} {path}: {response.status_code}")
        return []
    if fmt == "csv":
        rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
        return [cell for row in rows for cell in row]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    return [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


@pytest.mark.slow
def test_hostile_input_on_every_public_form(tenant_a, tenant_b, hostile_inputs, settings, tmp_path):
    # Fast password hashing: the run logs in and signs up hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path  # the images the dialogs' contribution forms accept
    strings = hostile_strings(hostile_inputs)
    xss = hostile_inputs["xss"]
    xss = list(xss.values()) if isinstance(xss, dict) else xss
    filenames = hostile_inputs["filenames"]
    problems, discovered = [], {}
    for index, tenant in enumerate((tenant_a, tenant_b)):
        run = Run(TENANTS[tenant.schema_name]["domain"])
        event, urls, mfa_email, dialogs = _entry_urls(tenant, index)
        connection.set_tenant(tenant)
        forms = discover_forms(run.client(), ENTRY_POINTS + urls)
        # What a verified participant sees beyond that in the account dialog; their own
        # post's delete form last (what they delete, they cannot edit any more).
        member = Run(run.host, user=dialogs.member)
        known = {form_key(f) for f in forms}
        member_forms = sorted(
            (f for f in discover_forms(member.client(), dialogs.member_urls,
                                       within=dialogs.by_account.url) if form_key(f) not in known),
            key=lambda f: f["action"].endswith("/loeschen/"))
        discovered[tenant.schema_name] = sorted({f["action"] for f in forms + member_forms})
        mfa_client, mfa_form = _mfa_form(run, mfa_email)  # before login's rate limit kicks in
        _spam_allowance(tenant, 100_000)  # the corpus is to reach the services
        # Every string once per form, alternating tenants: the corpus is covered once.
        fuzz(run, forms, strings[index::2], offset=index, filenames=filenames[index::2])
        fuzz(member, member_forms, strings[index::2], offset=index, filenames=filenames[index::2])
        for value in strings[index::4]:
            run.post(f"2FA {value[:30]!r}", mfa_form, _with(value, ["code"]), client=mfa_client)
        # The event page takes the registration POST too (its form posts to the lean page).
        registration = next(f for f in forms if f["action"] == f"/veranstaltungen/{event.pk}/anmeldung/")
        fuzz(run, [dict(registration, action=event.url, page=event.url)], strings[index::4])
        # Stored: hostile names in the registration, then shown back.
        for attack in xss:
            run.post("stored name", registration, lambda d, a=attack: d | {"name": a})
        editor = _editor(run, tenant)
        _stored_values_render_inert(run, tenant, event, xss, editor[0])
        _dialog_stored_values_render_inert(run, member, forms, member_forms, tenant, dialogs, xss,
                                           editor)
        _spam_allowance(tenant, 1)
        _rate_limited(run, forms)
        _rate_limited(member, member_forms)
        problems += run.problems + member.problems

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
        assert any(a.startswith("/konto/confirm-email/") for a in found), found
        assert any(a.endswith("/anmeldung/") and a.startswith("/veranstaltungen/") for a in found)
        assert any(a.startswith("/dialoge/abbestellen/") for a in found), found
        dialog_forms = [re.sub(r"^.*?/(beitrag)", r"\1", a) for a in found if "/beitrag" in a]
        for route in ("beitragen/", "beitrag/<id>/antworten/", "beitrag/<id>/melden/",
                      "beitrag/<id>/bewerten/", "beitrag/<id>/bearbeiten/", "beitrag/<id>/loeschen/"):
            assert route in {re.sub(r"/\d+/", "/<id>/", a) for a in dialog_forms}, (route, found)
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
