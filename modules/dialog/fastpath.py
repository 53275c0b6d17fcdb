"""The dialog page and a contribution page for first-time visitors, without Wagtail's
routing (see beteiligung/participation/fastpath.py).

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
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

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


_lock = threading.Lock()
_known: dict[tuple, Known] = {}


def is_first_visit(request):
    """No session, no messages: the page is the same for all such visitors (the
    events' register page does the same)."""
    cookies = request.COOKIES
    # Only the page's own query parameters: the page shows its path (language switch,
    # login link), and one visitor's odd query must not be kept for everybody.
    return request.method in ("GET", "HEAD") and set(request.GET) <= LIST_PARAMETERS and not (
        cookies.get(settings.SESSION_COOKIE_NAME) or cookies.get(CookieStorage.cookie_name))


def _address(request):
    return (connection.schema_name, request.get_host(), request.get_full_path())


def remember(request, page, kind, key):
    with _lock:
        if len(_known) >= MAX_ENTRIES:
            _known.clear()
        _known[_address(request)] = Known(page.pk, page.url_path, kind, tuple(key[:-1]))


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
    if not is_first_visit(request):
        return None
    known = _known.get(_address(request))
    if known is None:
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
    html = reading.kept_whole_page((*known.key_prefix, last),
                                   reading.fingerprint_of(version or 0, revision, published))
    if html is None:
        return None
    return HttpResponse(html.replace(reading.CSRF_HOLE, get_token(request)))


def clear():
    with _lock:
        _known.clear()
