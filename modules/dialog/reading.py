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
* the CSRF token (``CSRF_HOLE``), replaced in the finished bytes, and the comment
  form's proof-of-work challenge (``CHALLENGE_HOLE``, a place of the kept page);
* in a thread, the buttons of the visitor's own ratings and the edit links under their
  own posts: the thread is kept as a ``Spliced`` page, built with every such place filled
  as for a visitor without ratings or posts (``PLACE``: the buttons' ``value``/
  ``aria-pressed`` marks and ``<!--dlgown<post>-->``), and a request changes only its
  own few places (one query for the visitor's ratings; authors come from the kept map).
Holes sit in attribute values and comments, which escaped user text can never
produce (it has no ``"`` or ``<``); the random parts are new in every process.

The whole contribution page is kept per kind of visitor (``ThreadPage``: anonymous,
member, verified member; nobody with a message waiting), so fastpath.py can answer it
without Wagtail's routing.
"""

import re
import secrets
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from beteiligung.participation.cache import VersionedCache
from beteiligung.participation.locking import STATE_FIELDS  # the state row's columns, version last
from beteiligung.participation.moderation import Visibility
from beteiligung.participation.spliced import Spliced
from beteiligung.participation.state import ProcedureState

from .models import MAX_DEPTH, Post, Rating

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
THREAD_HOLE = "<!--threadHole" + secrets.token_hex(12) + "-->"
CHALLENGE_HOLE = "challengeHole" + secrets.token_hex(12)

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
    """One page of the list; the page number is clamped to the pages there are before
    it becomes part of a key (a million page numbers must not push out the rest)."""
    def public():
        posts = Post.objects.filter(dialog_id=dialog.pk, depth=0, visibility__in=PUBLIC)
        return posts.filter(category_id=category_id) if category_id else posts

    total = _cache.get(("count", dialog.pk, category_id), fp, lambda: public().count())
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page_no, 1), pages)

    def build():
        rows = list(public().select_related("category").order_by(*SORTS[sort])
                    [(page - 1) * PER_PAGE:page * PER_PAGE])
        html = render_to_string("dialog/includes/list.html", {
            "posts": rows, "base_url": base_url, "dialog": dialog,
        })
        return Listing(html, total, page, pages)

    return _cache.get(("list", dialog.pk, base_url, sort, category_id, page, get_language()),
                      fp, build)


@dataclass
class Thread:
    root: Post | None
    # The thread with every visitor's place filled as for a visitor without ratings or
    # posts of their own (``spliced.html``); a request changes only their own places.
    spliced: Spliced | None
    by_author: dict  # user id -> [ids of their posts here]
    comment_count: int
    redirect_to: int | None = None
    public: str = ""  # for visitors without an account: no rating forms, no places


# A visitor's places in a thread: the two rating buttons of each post (value and state
# as for somebody who has not rated it) and the list item for their own edit links.
# Kept pages are bytes: a request then neither encodes 600 kB again nor searches text.
PLACE = re.compile(rb'value="dlg(\d+)([so])" aria-pressed="dlg\d+[so]"|<!--dlgown(\d+)-->')
PRESSED = b'value="0" aria-pressed="true"'


def _unpressed(match):
    if match.group(3):
        return b""
    return b'value="1" aria-pressed="false"' if match.group(2) == b"s" else \
        b'value="-1" aria-pressed="false"'


def _place(match):
    return ("own", int(match.group(3))) if match.group(3) else (int(match.group(1)),
                                                                match.group(2).decode())


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
    """The contribution ``post_id`` with its comments, threaded; kept per version. A
    missing or foreign id is not kept (any number of them must not push out the rest)."""
    key = ("thread", dialog.pk, base_url, post_id, get_language())
    kept = _cache.peek(key, fp) if fp is not None else None
    if kept is not None:
        return kept
    posts = list(
        Post.objects.filter(Q(pk=post_id) | Q(root_id=post_id), dialog_id=dialog.pk,
                            visibility__in=PUBLIC)
        .select_related("category", "image").order_by("depth", "created_at", "id")
    )
    root = posts[0] if posts and posts[0].pk == post_id else None
    if root is None or root.depth != 0:
        return Thread(None, None, {}, 0, redirect_to=root.root_id if root is not None else None)

    def build():
        comments = sorted(posts[1:], key=lambda p: (p.created_at, p.pk))
        top = _tree(root, comments)
        context = {"root": root, "comments": top, "base_url": base_url, "dialog": dialog,
                   "max_depth": MAX_DEPTH, "csrf_token": CSRF_HOLE, "can_rate": True}
        html = render_to_string("dialog/includes/thread.html", context)
        # Visitors without an account cannot rate: their page shows the counts as text,
        # without 2 x 500 rating forms (half the weight of a long thread).
        public = render_to_string("dialog/includes/thread.html", {**context, "can_rate": False})
        by_author = {}
        for post in posts:
            if post.author_id:
                by_author.setdefault(post.author_id, []).append(post.pk)
        return Thread(root, Spliced.build(html.encode(), PLACE, _unpressed, _place),
                      by_author, len(comments), public=PLACE.sub(b"", public.encode()).decode())

    return _cache.get(key, fp, build)


def own_ratings(user, post_id):
    """{post id: +1/-1} of ``user`` in the thread of contribution ``post_id``."""
    if not user.is_authenticated:
        return {}
    return dict(Rating.objects.filter(Q(post_id=post_id) | Q(post__root_id=post_id),
                                      user=user).values_list("post_id", "value"))


def own_links(base_url, pk):
    return format_html('<li><a href="{}beitrag/{}/bearbeiten/">{}</a></li>'
                       '<li><a href="{}beitrag/{}/loeschen/">{}</a></li>',
                       base_url, pk, _("Edit"), base_url, pk, _("Delete"))


def visitor_places(thread, ratings, user_pk=None, base_url=None):
    """What this visitor's places in ``thread`` show: their own ratings pressed, and,
    with ``base_url`` (while the dialog is open), edit links under their own posts."""
    texts = {(pk, "s" if value > 0 else "o"): PRESSED for pk, value in ratings.items()}
    if base_url is not None and user_pk is not None:
        for pk in thread.by_author.get(user_pk, ()):
            texts[("own", pk)] = own_links(base_url, pk).encode()
    return texts


@dataclass
class ThreadPage:
    """A whole contribution page for one kind of visitor (fastpath.variant), kept per
    version: the visitor's places in the thread, the CSRF token and the comment form's
    challenge are filled in per request (``fill_thread_page``)."""
    page: Spliced
    thread: Thread
    base_url: str
    is_open: bool
    with_form: bool


def thread_page(key, fp, thread, visitor, base_url, is_open, with_form, render):
    """``render(thread_hole, challenge_hole)`` renders the page around the thread.
    Visitors without an account get the thread without rating forms and places."""
    def build():
        before, after = render(THREAD_HOLE, CHALLENGE_HOLE).encode().split(THREAD_HOLE.encode())
        spliced = Spliced(thread.public.encode()) if visitor == "anonymous" else thread.spliced
        page = spliced.within(before, after, {"challenge": CHALLENGE_HOLE.encode()})
        return ThreadPage(page, thread, base_url, is_open, with_form)

    return _cache.get(("page", *key, get_language()), fp, build)


def fill_thread_page(kept, user, challenge):
    """The kept thread page for this visitor, as bytes (the CSRF hole is left for
    fastpath.shared_response)."""
    ratings = own_ratings(user, kept.thread.root.pk)
    texts = visitor_places(kept.thread, ratings, user.pk, kept.base_url if kept.is_open else None)
    if challenge:
        texts["challenge"] = escape(challenge).encode()
    return kept.page.fill(texts)


def whole_page(key, fp, build):
    """A whole rendered page for visitors without a session (same for all of them);
    its CSRF token is a hole (``CSRF_HOLE``). Kept as bytes."""
    return _cache.get(("page", *key, get_language()), fp, lambda: build().encode())


def kept_whole_page(key, fp):
    """The whole page kept for ``key`` at ``fp``, or None (fastpath.py)."""
    return _cache.peek(("page", *key, get_language()), fp)


def clear():
    _cache.clear()
