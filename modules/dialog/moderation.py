"""What moderators do in a dialog: approve, hide with a reason, restore, dismiss reports,
block and unblock participants, write official replies, and announce the results.

Every operation is one transaction that
* checks ``rules.is_moderator(actor, dialog)`` (PermissionDenied otherwise),
* takes the procedure lock (``lock_procedure``: the state row first), then the post row
  (lock order rule 2 in ``beteiligung.participation.locking``), and re-reads the post
  after the lock, so two moderators acting on one post at once act one after the other
  and the second sees what the first did;
* writes one ``ModerationLog`` row (actor, action, reason, time);
* calls ``bump_version(dialog.pk)`` so the public page caches see the change;
* sends e-mail only after commit, through a task (moderation_tasks.py).

Counters and reports, as this module reads them:
* ``Post.report_count`` is the number of *open* reports (``resolved_at`` empty). Every
  decision on a reported post (hide, restore, dismiss) resolves its open reports and
  sets the count to 0, so the same reports cannot hide it again.
* ``reply_count`` of a contribution counts its public comments (published, hidden,
  deleted: each shown, as text or as a note); approving a pending comment or writing an
  official reply recounts it from the thread in the same transaction.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from beteiligung.participation.errors import ParticipationError
from beteiligung.participation.locking import ProcedureBusy, lock_procedure, locked_section
from beteiligung.participation.moderation import Action, Visibility, apply_hide, apply_restore
from beteiligung.participation.rules import is_moderator
from beteiligung.participation.state import bump_version
from beteiligung.participation.text import clean_text, one_line

from .models import MAX_DEPTH, TEXT_MAX, Block, DialogPage, ModerationLog, Post, Report

V = Visibility
PUBLIC = (V.PUBLISHED, V.HIDDEN, V.DELETED)
REASON_MAX = 500
LOCK_FIELDS = ("ends_at", "starts_at", "closes_at", "moderation_mode", "results")


class ModerationError(ParticipationError):
    """A moderation request that cannot be carried out; ``message`` is for the moderator."""


@dataclass
class Outcome:
    post: Post | None = None
    block: Block | None = None
    log: ModerationLog | None = None


@dataclass
class _Decision:
    """A decision made inside ``_decision``: what its log row names, and its outcome."""

    now: datetime
    reason: str = ""
    post: Post | None = None
    block: Block | None = None
    outcome: Outcome | None = None  # set when the decision is made


def _require_moderator(actor, dialog):
    if not is_moderator(actor, dialog):
        raise PermissionDenied


def _dialog_of(post):
    dialog = getattr(post, "dialog", None)
    return dialog if isinstance(dialog, DialogPage) else DialogPage.objects.get(pk=post.dialog_id)


def _moderated_dialog(post, actor):
    """The post's dialog, if ``actor`` moderates it (PermissionDenied otherwise)."""
    dialog = _dialog_of(post)
    _require_moderator(actor, dialog)
    return dialog


def _lock(dialog_id, post_id=None):
    """Lock the procedure (state row), then the post; return (page, post after the lock)."""
    page = lock_procedure(DialogPage, dialog_id, LOCK_FIELDS)
    post = None
    if post_id is not None:
        post = Post.objects.select_for_update().filter(pk=post_id, dialog_id=dialog_id).first()
        if post is None:
            raise ModerationError(_("This post no longer exists."))
    return page, post


def _log(dialog_id, action, actor, *, post=None, block=None, reason="", now=None):
    return ModerationLog.objects.create(
        dialog_id=dialog_id, action=action, actor=actor if getattr(actor, "pk", None) else None,
        post=post, block=block, reason=str(reason or "")[:REASON_MAX], at=now or timezone.now(),
    )


def _resolve_reports(post, now):
    Report.objects.filter(post=post, resolved_at__isnull=True).update(resolved_at=now)
    post.report_count = 0


def _recount_replies(root_id):
    count = Post.objects.filter(root_id=root_id, visibility__in=PUBLIC).count()
    Post.objects.filter(pk=root_id).update(reply_count=count)


def _clean_reason(reason):
    reason = one_line(clean_text(reason, REASON_MAX))
    if not reason:
        raise ModerationError(_("Please give a reason: it is shown in place of the post."))
    return reason


def _busy():
    return ProcedureBusy(_("Another moderation of this dialog is in progress. Please try again."))


@contextmanager
def _decision(dialog, actor, action, *, post=None, reason=""):
    """The frame of a moderator's decision, as the module docstring tells it: the procedure
    lock, then the row of ``post`` if given (``decision.post`` is the post re-read after
    the lock); the caller's checks and changes inside the ``with`` block; then one log row
    (``decision.reason``, ``.post`` and ``.block`` as the block left them) and the version
    bump. A refusal raised in the block rolls everything back and logs nothing. After the
    block, ``decision.outcome`` is what the public function returns."""
    decision = _Decision(now=timezone.now(), reason=reason)
    with locked_section(busy=lambda: _busy()):
        _page, decision.post = _lock(dialog.pk, post.pk if post is not None else None)
        yield decision
        log = _log(dialog.pk, action, actor, post=decision.post, block=decision.block,
                   reason=decision.reason, now=decision.now)
        bump_version(dialog.pk)
    decision.outcome = Outcome(post=decision.post, block=decision.block, log=log)


def approve(post, actor):
    """Publish a post waiting for pre-moderation."""
    dialog = _moderated_dialog(post, actor)
    with _decision(dialog, actor, Action.APPROVE, post=post) as decision:
        locked, now = decision.post, decision.now
        if locked.visibility != V.PENDING:
            raise ModerationError(_("This post is not waiting for approval."))
        locked.visibility = V.PUBLISHED
        locked.published_at = locked.published_at or now
        locked.reviewed_at = now
        locked.save(update_fields=["visibility", "published_at", "reviewed_at"])
        if locked.root_id:
            _recount_replies(locked.root_id)
    return decision.outcome


def hide(post, actor, reason):
    """Hide a post (published, waiting, or hidden after reports) and tell its author why.
    The reason is shown publicly in its place."""
    dialog = _moderated_dialog(post, actor)
    reason = _clean_reason(reason)
    with _decision(dialog, actor, Action.HIDE, post=post, reason=reason) as decision:
        locked, now = decision.post, decision.now
        if locked.visibility in (V.DELETED, V.UNCONFIRMED):
            raise ModerationError(_("This post cannot be hidden (deleted or not confirmed)."))
        was_public = locked.is_public
        apply_hide(locked, reason, now)
        locked.reviewed_at = now
        _resolve_reports(locked, now)
        locked.save(update_fields=["visibility", "hidden_reason", "hidden_at", "reviewed_at",
                                   "report_count"])
        if locked.root_id and not was_public:
            _recount_replies(locked.root_id)
        if _author_address(locked):
            from . import moderation_tasks

            post_id = locked.pk
            transaction.on_commit(lambda: moderation_tasks.send_hidden_notice.enqueue(post_id))
    return decision.outcome


def restore(post, actor):
    """Show a hidden post again; its open reports are resolved."""
    dialog = _moderated_dialog(post, actor)
    with _decision(dialog, actor, Action.RESTORE, post=post) as decision:
        locked, now = decision.post, decision.now
        if locked.visibility != V.HIDDEN:
            raise ModerationError(_("This post is not hidden."))
        apply_restore(locked, now)
        locked.published_at = locked.published_at or now
        _resolve_reports(locked, now)
        locked.save(update_fields=["visibility", "hidden_reason", "hidden_at", "reviewed_at",
                                   "report_count", "published_at"])
    return decision.outcome


def dismiss_reports(post, actor):
    """The reports are unfounded: resolve them; a post hidden only because of them
    (automatically, Action.AUTO_HIDE) is shown again."""
    dialog = _moderated_dialog(post, actor)
    with _decision(dialog, actor, Action.DISMISS, post=post) as decision:
        locked, now = decision.post, decision.now
        open_reports = Report.objects.filter(post=locked, resolved_at__isnull=True).count()
        if not open_reports and locked.report_count == 0:
            raise ModerationError(_("This post has no open reports."))
        fields = ["report_count", "reviewed_at"]
        if locked.visibility == V.HIDDEN:
            last = (ModerationLog.objects.filter(post=locked, action__in=[
                Action.HIDE, Action.AUTO_HIDE, Action.RESTORE]).order_by("-at", "-id")
                .values_list("action", flat=True).first())
            if last == Action.AUTO_HIDE:
                apply_restore(locked, now)
                fields += ["visibility", "hidden_reason", "hidden_at"]
        _resolve_reports(locked, now)
        locked.reviewed_at = now
        locked.save(update_fields=fields)
        decision.reason = _("%(n)s reports") % {"n": open_reports}
    return decision.outcome


def block(dialog, actor, *, post=None, user=None, email_key=None, reason=""):
    """Block a participant from this dialog: the author of ``post`` (their account, or in
    e-mail mode their confirmed address), or a given account or address key. The
    participant services refuse blocked people (``is_blocked``)."""
    _require_moderator(actor, dialog)
    if post is not None:
        if post.dialog_id != dialog.pk:
            raise PermissionDenied
        user, email_key = (post.author, "") if post.author_id else (None, post.email_key)
    email_key = (email_key or "").strip().lower()
    if user is None and not email_key:
        raise ModerationError(_("This participant cannot be identified, so cannot be blocked."))
    if user is not None and is_moderator(user, dialog):
        raise ModerationError(_("Moderators and editors of this dialog cannot be blocked."))
    reason = one_line(clean_text(reason, REASON_MAX))
    with _decision(dialog, actor, Action.BLOCK, reason=reason) as decision:
        existing = Block.objects.filter(dialog=dialog).filter(
            Q(user=user) if user is not None else Q(email_key=email_key)).first()
        if existing is not None:
            raise ModerationError(_("This participant is already blocked."))
        decision.block = Block.objects.create(
            dialog=dialog, user=user, email_key="" if user else email_key, reason=reason,
            blocked_by=actor, created_at=decision.now)
        decision.post = post  # logged as the post the block was made from; its row is not locked
    return decision.outcome


def unblock(block_row, actor):
    dialog = DialogPage.objects.get(pk=block_row.dialog_id)
    _require_moderator(actor, dialog)
    with _decision(dialog, actor, Action.UNBLOCK) as decision:
        current = Block.objects.filter(pk=block_row.pk).select_related("user").first()
        if current is None:
            raise ModerationError(_("This block has already been lifted."))
        decision.reason = _blocked_label(current)
        current.delete()
    return decision.outcome


def _blocked_label(block_row):
    if block_row.user_id:
        user = block_row.user
        return one_line(user.get_full_name() or user.get_username())
    return block_row.email_key


def is_blocked(dialog_id, *, user=None, email_key=""):
    """True if the account or address is blocked in the dialog (one query)."""
    query = Q()
    if user is not None and getattr(user, "pk", None):
        query |= Q(user_id=user.pk)
    if email_key:
        query |= Q(email_key=email_key)
    return bool(query) and Block.objects.filter(query, dialog_id=dialog_id).exists()


def official_reply(parent_post, actor, text):
    """A reply by the authority, marked ``is_official``: published at once, also after
    the end of the participation period. Replies to third-level comments join the third
    level (like every reply)."""
    dialog = _dialog_of(parent_post)
    _require_moderator(actor, dialog)
    text = clean_text(text, 0)
    if not text:
        raise ModerationError(_("Please write a reply."))
    if len(text) > TEXT_MAX:
        raise ModerationError(_("Please use at most %(n)s characters.") % {"n": TEXT_MAX})
    now = timezone.now()
    with locked_section(busy=lambda: _busy()):
        page, parent = _lock(dialog.pk, parent_post.pk)
        if not parent.is_public:
            raise ModerationError(_("Replies are possible only to public posts."))
        if parent.depth >= MAX_DEPTH:
            parent = Post.objects.get(pk=parent.parent_id)
        root_id = parent.root_id or parent.pk
        reply = Post.objects.create(
            dialog_id=dialog.pk, root_id=root_id, parent=parent, depth=parent.depth + 1,
            text=text, author=actor, author_name=official_name(dialog, actor),
            is_official=True, visibility=V.PUBLISHED, created_at=now, published_at=now,
        )
        _recount_replies(root_id)
        bump_version(dialog.pk)
    return reply


def official_name(dialog, actor):
    """Shown as the author of an official reply: the person and the authority."""
    person = one_line(actor.get_full_name() or "")
    authority = getattr(dialog, "authority", None)
    organisation = one_line(getattr(authority, "title", "") or "")
    if person and organisation:
        return f"{person} ({organisation})"[:200]
    return (person or organisation or _("Moderation team"))[:200]


# --- Results ------------------------------------------------------------------------


def results_are_published(dialog):
    return bool(" ".join(strip_tags(str(dialog.results or "")).split()))


def announce_results(dialog, now=None):
    """Once, when the dialog has ended and its published results are not empty: note the
    time in the state row (under the procedure lock, so two publications at once mail
    once) and mail every participant who asked for it, after commit. Returns True if the
    announcement was made now."""
    now = now or timezone.now()
    with locked_section():
        page = lock_procedure(DialogPage, dialog.pk, LOCK_FIELDS)
        if page.state.results_announced_at is not None:
            return False
        if not page.ends_at and not page.closes_at:
            return False
        if (page.closes_at or page.ends_at) > now or not results_are_published(page):
            return False
        from beteiligung.participation.state import ProcedureState

        ProcedureState.objects.filter(procedure_id=dialog.pk).update(results_announced_at=now)
        bump_version(dialog.pk)
        from . import moderation_tasks

        dialog_id = dialog.pk
        transaction.on_commit(lambda: moderation_tasks.send_results_notices.enqueue(dialog_id))
    return True


def results_recipients(dialog_id):
    """(address, name) of everyone who asked to hear about the results, once per address:
    authors of confirmed posts with ``notify_results`` (account address or confirmed one)."""
    seen, recipients = set(), []
    rows = (Post.objects.filter(dialog_id=dialog_id, notify_results=True)
            .exclude(visibility=V.UNCONFIRMED)
            .values_list("author__email", "author_email", "author_name").order_by("id"))
    for account_email, post_email, name in rows.iterator():
        address = (account_email or post_email or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            recipients.append((address, name))
    return recipients


def _author_address(post):
    if post.author_id:
        return getattr(post.author, "email", "") or ""
    return post.author_email or ""


def author_address(post):
    return _author_address(post)
