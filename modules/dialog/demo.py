"""Demo dialogues for `beteiligung demo` (idempotent: a dialog that exists is left alone).

The content is data, in demo.toml; this module builds it. Per demo tenant, under its
first authority: one open dialog in post-moderation with categories, contributions,
threaded comments (up to depth 3), ratings, an official reply and a hidden
contribution; and one open dialog in pre-moderation with a contribution waiting for
the moderators.

The rows are written through the models, not through services.py: the services are
written at the same time as this file, and demo content must not depend on their
rules for periods, spam limits or e-mails. So this module keeps the invariants the
services keep itself, and tests/dialog/test_demo.py checks them:
* ``root``/``parent``/``depth`` as in models.py (depth 1..3 below a contribution);
* ``support_count``/``oppose_count`` = the post's Rating rows (+1/-1);
* ``reply_count``: on a contribution, all its comments (every demo comment is
  published); on a comment, its direct replies;
* ``bump_version(dialog.pk)`` after the posts are written (per-process page caches).
"""

import functools
import tomllib
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

NETIQUETTE = ("Ich habe die Netiquette gelesen und bin einverstanden, dass mein Beitrag "
              "mit meinem Namen veröffentlicht wird.")


@functools.cache
def content():
    """{"participants": {tenant: [[key, first name, last name], ...]}, "dialogs": {tenant:
    [dialog, ...]}}, as demo.toml describes them; read when demo content is made, not when
    the app is loaded."""
    return tomllib.loads(Path(__file__).with_name("demo.toml").read_text(encoding="utf-8"))


def ensure_demo_dialogs(tenant, spec):
    """Registered as the dialog module's demo content (apps.py); runs inside the schema."""
    from beteiligung.models import AuthorityPage

    authority = AuthorityPage.objects.order_by("path").first()
    key = spec.get("schema") or tenant.schema_name
    dialogs = content()["dialogs"]
    if authority is None or key not in dialogs:
        return
    for item in dialogs[key]:
        _ensure_dialog(authority, spec, key, item)


@transaction.atomic
def _ensure_dialog(authority, spec, key, item):
    from beteiligung.participation.state import bump_version

    from .pages import DialogCategory, DialogPage

    if DialogPage.objects.child_of(authority).filter(slug=item["slug"]).exists():
        return
    now = timezone.now().replace(second=0, microsecond=0)
    dialog = authority.add_child(instance=DialogPage(
        title=item["title"], slug=item["slug"], question=item["question"],
        teaser=item["teaser"], introduction=item["introduction"],
        starts_at=now - timedelta(days=7), ends_at=now + timedelta(days=28),
        participation_mode="email", moderation_mode=item.get("moderation_mode", "post"),
        contact_name=item["contact_name"], contact_email=f"dialog@{spec['domain']}",
        categories=[DialogCategory(name=name, sort_order=order)
                    for order, name in enumerate(item["categories"])],
    ))
    dialog.save_revision().publish()
    categories = list(dialog.categories.order_by("sort_order"))
    users = _participants(spec, key)
    _write_posts(dialog, authority, categories, users, item["contributions"], now)
    bump_version(dialog.pk)


def _participants(spec, key):
    """The tenant's demo participants: verified addresses, no usable password."""
    from allauth.account.models import EmailAddress

    users = {}
    for handle, first, last in content()["participants"][key]:
        email = f"{handle}.{_ascii(last)}@demo.{spec['domain']}"
        user, created = get_user_model().objects.get_or_create(
            username=email, defaults={"email": email, "first_name": first, "last_name": last})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True})
        users[handle] = user
    return users


def _ascii(value):
    return (value.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
            .replace("ß", "ss").replace("ş", "s"))


def _display_name(user):
    return f"{user.first_name} {user.last_name[:1]}."


def _write_posts(dialog, authority, categories, users, contributions, now):
    """Posts, ratings and counters, all in the caller's transaction."""
    from beteiligung.participation.identity import normalize_email
    from beteiligung.participation.moderation import Action, Visibility

    from .models import ModerationLog, Post, Rating

    handles = list(users)
    clock = [now - timedelta(days=6, hours=2)]

    def tick(hours):
        clock[0] = min(clock[0] + timedelta(hours=hours), now - timedelta(minutes=5))
        return clock[0]

    def new_post(author, hours=2, **fields):
        post = Post(dialog=dialog, **fields)
        if author == "official":
            post.author_name = authority.title
            post.is_official = True
        else:
            user = users[author]
            post.author = user
            post.author_name = _display_name(user)
            post.author_email, post.email_key = normalize_email(user.email)
        post.created_at = tick(hours)
        post.record_consent(NETIQUETTE, now=post.created_at)
        if post.visibility == Visibility.PUBLISHED:
            post.published_at = post.created_at
        post.save()
        return post

    def rate(post, author, support, oppose, offset):
        others = [h for h in handles if h != author]
        others = others[offset % len(others):] + others[:offset % len(others)]
        values = [1] * support + [-1] * oppose
        Rating.objects.bulk_create([
            Rating(post=post, user=users[handle], value=value, created_at=post.created_at
                   + timedelta(minutes=10 * (i + 1)))
            for i, (handle, value) in enumerate(zip(others, values, strict=False))
        ])
        post.support_count, post.oppose_count = support, oppose

    comment_index = [0]

    def add_comments(root, parent, entries):
        """Returns how many comments were written below ``parent`` (all levels)."""
        total = 0
        for author, text, replies in entries:
            comment = new_post(author, root=root, parent=parent, depth=parent.depth + 1,
                               text=text, visibility=Visibility.PUBLISHED)
            comment_index[0] += 1
            # Some comments get ratings too (never the authority's own reply).
            if author != "official" and comment_index[0] % 3 == 1:
                rate(comment, author, 2, comment_index[0] % 2, comment_index[0])
            below = add_comments(root, comment, replies)
            comment.reply_count = len(replies)
            comment.save(update_fields=["support_count", "oppose_count", "reply_count"])
            total += 1 + below
        return total

    for index, item in enumerate(contributions):
        if item.get("pending"):
            visibility = Visibility.PENDING
        elif item.get("hidden"):
            visibility = Visibility.HIDDEN
        else:
            visibility = Visibility.PUBLISHED
        post = new_post(item["author"], title=item["title"], text=item["text"],
                        category=categories[item["category"]], visibility=visibility, hours=10)
        rate(post, item["author"], item["support"], item["oppose"], index)
        post.reply_count = add_comments(post, post, item["comments"])
        if item.get("hidden"):
            post.hidden_reason = item["hidden"]
            post.hidden_at = post.created_at + timedelta(hours=1)
            ModerationLog.objects.create(dialog=dialog, post=post, action=Action.HIDE,
                                         reason=item["hidden"], at=post.hidden_at)
        post.save()
