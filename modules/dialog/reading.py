"""The dialog's public pages as of their current version, kept per process.

A dialog with thousands of posts is read far more often than written. So the
expensive parts (the list of contributions for one sort/category/page; a
contribution with all its comments, threaded) are rendered once per version and
kept per process (``VersionedCache``), checked on every request against one small
query: the dialog's ``ProcedureState.version``, which every service bumps in the
transaction of every change of what the public sees, plus the page's revision
(``latest_revision_id``/``last_published_at`` of the page object Wagtail already
loaded), so an editor publishing (categories, question) is seen at once, too.
Whether the page is live and without view restriction Wagtail has checked while
routing to it.

Rendered fragments are the same for every visitor. What differs per visitor is
left as holes, filled per request without re-rendering:
* the CSRF token (``CSRF_HOLE``),
* the visitor's own ratings: the thread is kept with every rating button filled as
  for a visitor without ratings (``Thread.prefilled``); the buttons of the visitor's
  own ratings (found by their ids ``r<post>s``/``r<post>o``, from one query) are
  changed in one pass,
* the author's edit/delete links: ``<!--dlgown<post>-->``, filled from the cached
  map of post -> author (no query).
Holes sit in attribute values and comments, which escaped user text can never
produce (it has no ``"`` or ``<``).
"""

import re
import secrets
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.translation import get_language

from beteiligung.participation.cache import VersionedCache
from beteiligung.participation.locking import STATE_FIELDS  # the state row's columns, version last
from beteiligung.participation.moderation import Visibility
from beteiligung.participation.state import ProcedureState

from .models import MAX_DEPTH, Post

PER_PAGE = 20
PUBLIC = (Visibility.PUBLISHED, Visibility.HIDDEN, Visibility.DELETED)
SORTS = {
    "neu": ("-created_at", "-id"),
    "unterstuetzt": ("-support_count", "-created_at", "-id"),
    "diskutiert": ("-reply_count", "-created_at", "-id"),
}
# Random per process: a post or a query cannot spell it (and so show a visitor their
# own token as text); the caches that carry it are per process too.
CSRF_HOLE = "csrfHole" + secrets.token_hex(12)
OWN_HOLE = re.compile(r"<!--dlgown(\d+)-->")

_cache = VersionedCache(max_entries=2000)


def fingerprint(dialog):
    """The one query per request: the dialog's state row (its public version, and the
    cancellation that ``status_at`` needs, so reading it costs no second query)."""
    columns = ", ".join(connection.ops.quote_name(name) for name in STATE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {connection.ops.quote_name(ProcedureState._meta.db_table)}"
            " WHERE procedure_id = %s", [dialog.pk])
        row = cursor.fetchone()
    if row is not None:
        values = dict(zip(STATE_FIELDS, row, strict=True))
        dialog.state = ProcedureState(procedure_id=dialog.pk, **values)
    version = row[-1] if row else 0
    return fingerprint_of(version, dialog.latest_revision_id, dialog.last_published_at)


def fingerprint_of(version, latest_revision_id, last_published_at):
    published = last_published_at.timestamp() if last_published_at else ""
    return f"{version}:{latest_revision_id}:{published}"


@dataclass
class Extras:
    categories: list
    attachments: list


def extras(dialog, fp):
    """The page's categories and documents (rows of their own), kept per version."""
    def build():
        return Extras(list(dialog.categories.all()),
                      list(dialog.attachments.select_related("document")))

    return _cache.get(("extras", dialog.pk), fp, build)


@dataclass
class Listing:
    html: str
    total: int
    page: int
    pages: int


def contribution_list(dialog, base_url, fp, sort, category_id, page_no):
    def build():
        posts = Post.objects.filter(dialog_id=dialog.pk, depth=0, visibility__in=PUBLIC)
        if category_id:
            posts = posts.filter(category_id=category_id)
        total = posts.count()
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(page_no, 1), pages)
        rows = list(posts.select_related("category").order_by(*SORTS[sort])
                    [(page - 1) * PER_PAGE:page * PER_PAGE])
        html = render_to_string("dialog/includes/list.html", {
            "posts": rows, "base_url": base_url, "dialog": dialog,
        })
        return Listing(html, total, page, pages)

    return _cache.get(("list", dialog.pk, base_url, sort, category_id, page_no, get_language()),
                      fp, build)


@dataclass
class Thread:
    root: Post | None
    html: str
    authors: dict
    comment_count: int
    redirect_to: int | None = None
    # ``html`` with every rating hole filled as for a visitor without ratings (built once
    # per version): a visitor's request then changes only the buttons of their own
    # ratings (fill_thread).
    prefilled: str = ""
    public: str = ""  # for visitors without an account: no rating forms, no holes


def _tree(root, comments):
    """Nest comments under their parents (they come sorted by creation time)."""
    children = {}
    by_id = {root.pk: root}
    for comment in comments:
        by_id[comment.pk] = comment
        children.setdefault(comment.parent_id, []).append(comment)
    for post in by_id.values():
        post.children = children.get(post.pk, [])
        reply_to = by_id.get(post.reply_to_id) if post.reply_to_id else None
        post.answers_name = (reply_to.author_name if reply_to is not None
                             and post.reply_to_id != post.parent_id else "")
    return root.children


def thread(dialog, base_url, fp, post_id):
    def build():
        posts = list(
            Post.objects.filter(Q(pk=post_id) | Q(root_id=post_id), dialog_id=dialog.pk,
                                visibility__in=PUBLIC)
            .select_related("category", "image").order_by("depth", "created_at", "id")
        )
        root = posts[0] if posts and posts[0].pk == post_id else None
        if root is None or root.depth != 0:
            if root is not None:
                return Thread(None, "", {}, 0, redirect_to=root.root_id)
            return Thread(None, "", {}, 0)
        comments = sorted(posts[1:], key=lambda p: (p.created_at, p.pk))
        top = _tree(root, comments)
        context = {"root": root, "comments": top, "base_url": base_url, "dialog": dialog,
                   "max_depth": MAX_DEPTH, "csrf_token": CSRF_HOLE, "can_rate": True}
        html = render_to_string("dialog/includes/thread.html", context)
        # Visitors without an account cannot rate: their page shows the counts as text,
        # without 2 x 500 rating forms (half the weight of a long thread).
        public = render_to_string("dialog/includes/thread.html", {**context, "can_rate": False})
        authors = {p.pk: p.author_id for p in posts if p.author_id}
        return Thread(root, html, authors, len(comments), prefilled=_prefill(html),
                      public=OWN_HOLE.sub("", public))

    return _cache.get(("thread", dialog.pk, base_url, post_id, get_language()), fp, build)


PRESSED_HOLE = re.compile(r'aria-pressed="dlg\d+[so]"')
SUPPORT_VALUE_HOLE = re.compile(r'value="dlg\d+s"')
OPPOSE_VALUE_HOLE = re.compile(r'value="dlg\d+o"')


def _prefill(html):
    html = PRESSED_HOLE.sub('aria-pressed="false"', html)
    html = SUPPORT_VALUE_HOLE.sub('value="1"', html)
    return OPPOSE_VALUE_HOLE.sub('value="-1"', html)


def fill_thread(thread, csrf_token, ratings=None, own_links=None):
    """A cached thread for this visitor, from its prefilled form: the CSRF token, then
    one pass over the buttons of the visitor's own ratings (matched by their ids), then
    their own posts' edit links (only if they wrote any here)."""
    html = thread.prefilled.replace(CSRF_HOLE, csrf_token)
    if ratings:
        mine = re.compile(r'id="r(' + "|".join(str(int(pk)) for pk in ratings)
                          + r')([so])" value="-?1" aria-pressed="false"')

        def rating(match):
            pk, kind = int(match.group(1)), match.group(2)
            wanted = 1 if kind == "s" else -1
            if ratings.get(pk) != wanted:
                return match.group(0)
            return f'id="r{pk}{kind}" value="0" aria-pressed="true"'

        html = mine.sub(rating, html)
    if own_links and own_links.wrote_any:
        return OWN_HOLE.sub(lambda m: own_links(int(m.group(1))), html)
    return OWN_HOLE.sub("", html)


def whole_page(key, fp, build):
    """A whole rendered page for visitors without a session (same for all of them);
    its CSRF token is a hole (``CSRF_HOLE``)."""
    return _cache.get(("page", *key, get_language()), fp, build)


def kept_whole_page(key, fp):
    """The whole page kept for ``key`` at ``fp``, or None (fastpath.py)."""
    return _cache.peek(("page", *key, get_language()), fp)


def clear():
    _cache.clear()
