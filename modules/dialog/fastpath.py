"""The dialog page and a contribution page for visitors who get a shared page, without
Wagtail's routing (see beteiligung/participation/fastpath.py): first-time visitors, and
logged-in members without a message waiting (their page is kept per kind of member;
on a contribution page their own ratings, edit links, CSRF token and the comment
form's challenge are filled in per request: reading.ThreadPage).

When views.py serves such a page from the whole-page cache, it remembers the request's
host, path and query with the page's id, URL path and cache key (``remember``). The
next request for the same address is answered here after one query, which reads the
fingerprint (the state row's version, the page's revision and publication time), the
period and cancellation (the cache key depends on the status), and re-states Wagtail's
serving rules: live, URL path unchanged, no view restriction on the page or an
ancestor. Whatever does not match goes on to Wagtail, which serves (and caches) as
usual. tests/dialog/test_fastpath.py compares the answers with Wagtail's.
"""

import functools
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from beteiligung.participation import cache as site_cache
from beteiligung.participation import spam
from beteiligung.participation.fastpath import restricted_sql
from beteiligung.participation.pages import ProcedurePage, ProcedureStatus, status_at
from beteiligung.participation.state import ProcedureState

from . import reading

MAX_ENTRIES = 20_000  # addresses remembered per process
LIST_PARAMETERS = {"sortierung", "kategorie", "seite"}


@dataclass(frozen=True)
class Known:
    dialog_id: int
    url_path: str
    kind: str  # "dialog" (key ends with the status) or "thread" (key ends with is_open)
    key_prefix: tuple
    # Routing depends on the Site too (its root page, its hostname): like every other
    # per-process cache of it, an address is trusted for TENANT_CACHE_SECONDS, and
    # forgotten at once when this process saves a Site or a page (site_cache.also_clear).
    until: float


_lock = threading.Lock()
_known: dict[tuple, Known] = {}


def variant(request):
    """Which shared page this visitor may get, or None (rendered for them alone):

    * "anonymous": no session and no message cookie (the events' register page does
      the same);
    * "member" or "member-verified": logged in, no message waiting; the page differs
      from the anonymous one only in the header (log-out form) and in whether the
      visitor may post, so it is kept once per kind of member, never per person.

    Only the page's own query parameters: the page shows its path (language switch,
    login link), and one visitor's odd query must not be kept for everybody."""
    cookies = request.COOKIES
    if (request.method not in ("GET", "HEAD") or not _canonical_query(request.GET)
            or cookies.get(CookieStorage.cookie_name) or getattr(request, "is_preview", False)):
        return None
    if not cookies.get(settings.SESSION_COOKIE_NAME):
        return "anonymous"
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    messages = getattr(request, "_messages", None)
    if messages is not None and len(messages):
        return None
    return "member-verified" if _verified(user) else "member"


_verified_until: dict[tuple, float] = {}


def _verified(user):
    """Whether the member has a confirmed address, for choosing their page: a yes is kept
    per process for TENANT_CACHE_SECONDS (addresses are rarely un-confirmed; the services
    check again, with a query of their own, before anything is stored)."""
    from .services import is_verified

    key = (connection.schema_name, user.pk)
    now = time.monotonic()
    if _verified_until.get(key, 0) > now:
        return True
    if not is_verified(user):
        return False
    with _lock:
        if len(_verified_until) >= MAX_ENTRIES:
            _verified_until.clear()
        _verified_until[key] = now + settings.TENANT_CACHE_SECONDS
    return True


def is_number(value):
    """ASCII digits only ("²".isdigit() is True, and int("²") fails)."""
    return bool(value) and value.isascii() and value.isdecimal()


def _canonical_query(query):
    """Only the page's own parameters, each once, with values the page itself links to:
    the page shows its own address (login link, language switch), and one visitor's
    odd query must not be kept for everybody."""
    from .reading import SORTS

    for name, values in query.lists():
        if name not in LIST_PARAMETERS or len(values) != 1:
            return False
        value = values[0]
        if name == "sortierung" and value not in SORTS:
            return False
        if name != "sortierung" and not (is_number(value) and len(value) < 7):
            return False
    return True


def shared_response(request, html):
    """``html`` (bytes, as the caches keep it): a page shared by many visitors, with this
    visitor's CSRF token; never to be kept by a shared HTTP cache in front (it carries
    the token, and depends on the cookies)."""
    from django.utils.cache import patch_cache_control, patch_vary_headers

    response = HttpResponse(html.replace(reading.CSRF_HOLE.encode(), get_token(request).encode()))
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def thread_response(request, kept):
    """A kept contribution page (reading.ThreadPage) for this visitor: a member's ratings
    and edit links (one query), a new challenge for the comment form, their CSRF token."""
    challenge = None
    if kept.with_form:
        challenge = spam.new_challenge(spam.limits_for_request(request).pow_max_number)
    return shared_response(request, reading.fill_thread_page(kept, request.user, challenge))


def _address(request):
    return (connection.schema_name, request.get_host(), request.get_full_path())


def remember(request, page, kind, key):
    with _lock:
        if len(_known) >= MAX_ENTRIES:
            _known.clear()
        # The key without the visitor's variant and the status: both are added per request.
        _known[_address(request)] = Known(page.pk, page.url_path, kind, tuple(key[:-2]),
                                          time.monotonic() + settings.TENANT_CACHE_SECONDS)


@functools.cache
def _check_sql():
    from wagtail.models import Page

    quote = connection.ops.quote_name
    return (
        f"SELECT s.version, p.latest_revision_id, p.last_published_at, p.live, p.url_path,"
        f" pp.starts_at, pp.closes_at, s.cancelled_at, {restricted_sql('p')}"
        f" FROM {quote(Page._meta.db_table)} p"
        f" JOIN {quote(ProcedurePage._meta.db_table)} pp ON pp.page_ptr_id = p.id"
        f" LEFT JOIN {quote(ProcedureState._meta.db_table)} s ON s.procedure_id = p.id"
        f" WHERE p.id = %s"
    )


def serve(request):
    known = _known.get(_address(request))
    if known is None or known.until < time.monotonic():
        return None
    kind_of_visitor = variant(request)
    if kind_of_visitor is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_check_sql(), [known.dialog_id])
        row = cursor.fetchone()
    if row is None:
        return None
    version, revision, published, live, url_path, starts, closes, cancelled, restricted = row
    if not live or restricted or url_path != known.url_path:
        return None
    status = status_at(starts_at=starts, closes_at=closes, cancelled=cancelled is not None,
                       now=timezone.now())
    last = status if known.kind == "dialog" else status == ProcedureStatus.OPEN
    html = reading.kept_whole_page((*known.key_prefix, kind_of_visitor, last),
                                   reading.fingerprint_of(version or 0, revision, published))
    if html is None:
        return None
    if isinstance(html, reading.ThreadPage):
        return thread_response(request, html)
    return shared_response(request, html)


def clear(**kwargs):
    with _lock:
        _known.clear()
        _verified_until.clear()


site_cache.also_clear(clear)
