"""What participants do in a dialog: contribute, comment, rate, edit, delete, report.

Every operation is one transaction and is called by the views, the tests and (later)
an API alike. Refusals raise ``DialogError`` (a German message for the person, and
field errors for the form), so a refused form is shown again with what was typed.

Locking (see beteiligung/participation/locking.py for the order):
* posting, editing, deleting and reporting take the dialog's state row
  (``lock_procedure``) and decide from what that statement returned: whether the
  dialog is open, whether the participant is blocked, whether the report threshold is
  reached. The same transaction bumps the state row's ``version`` (the fingerprint of
  the page caches), so nothing is lost by taking the lock: it is taken anyway.
* ratings lock only the rated post's row (``SELECT ... FOR UPDATE``): ratings of one
  post serialise, ratings of different posts do not wait for each other; the unique
  constraint (one rating per person and post) is the backstop.

Identity: a *verified* account (an e-mail address confirmed in allauth) counts as an
account; an unverified one counts as anonymous. In e-mail mode anonymous participants
give name, e-mail and consent; their post is ``unconfirmed`` until they click the link
mailed to them (``confirm_post``). With it they get a personal manage link
(``manage_link``) that stands in for the account when they edit or delete that post.

Threads: comments have depth 1..3; a reply to a depth-3 comment is stored at depth 3
under that comment's parent, with ``reply_to`` naming the comment it answers
("Antwort an <Name>"). ``reply_count`` on a contribution counts its public comments
(published, hidden, deleted); ``recount_replies`` recomputes it in one statement and
is what moderation calls when it approves a comment.
"""

import warnings
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from beteiligung.participation import links
from beteiligung.participation.errors import ParticipationError
from beteiligung.participation.identity import client_key, normalize_email
from beteiligung.participation.locking import ProcedureBusy, lock_procedure, locked_section
from beteiligung.participation.moderation import Action, Visibility, apply_hide
from beteiligung.participation.pages import ProcedureStatus
from beteiligung.participation.state import bump_version
from beteiligung.participation.text import clean_text, length_error, single_line_error

from .models import MAX_DEPTH, TEXT_MAX, TITLE_MAX, Block, ModerationLog, Post, Rating, Report
from .pages import DialogPage, ModerationMode, ParticipationMode

V = Visibility
PUBLIC = (V.PUBLISHED, V.HIDDEN, V.DELETED)
NAME_MAX = 200
REASON_MAX = 500
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
CONFIRM_MAX_AGE = 7 * 24 * 3600
LOCK_FIELDS = ("starts_at", "ends_at", "closes_at", "participation_mode", "moderation_mode",
               "report_threshold")


class DialogError(ParticipationError):
    """A refusal with a message for the person in front of the screen (German UI)."""


class Closed(DialogError):
    code = "closed"


class LoginRequired(DialogError):
    code = "login"


class Blocked(DialogError):
    code = "blocked"


class NotAvailable(DialogError):
    """The post cannot be acted on: not public, hidden, deleted, or not yours."""

    code = "unavailable"


class InvalidPost(DialogError):
    code = "invalid"


class AlreadyReported(DialogError):
    code = "reported"


class LinkInvalid(DialogError):
    code = "link"


class DialogBusy(DialogError):
    code = "busy"

    def __init__(self, message=None, errors=None):
        super().__init__(message or ProcedureBusy().message, errors)


@dataclass
class PostData:
    """What a participant typed (raw; validated here, not in the form)."""

    text: str = ""
    title: str = ""
    category_id: object = None
    name: str = ""
    email: str = ""
    privacy_consent: bool = False
    notify_replies: bool = False
    notify_results: bool = False
    image: object = None  # an uploaded file
    image_alt: str = ""
    extra: dict = field(default_factory=dict)


def consent_text():
    return _("I agree that my name and my post are published on this portal and that my "
             "e-mail address is stored to confirm my post and, if I asked for it, to tell me "
             "about replies.")


# --- Identity and checks -------------------------------------------------------------


def is_verified(user):
    """An active account with a confirmed e-mail address (allauth); else anonymous."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_dialog_verified", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._dialog_verified = cached
    return cached


def _user_email_key(user):
    try:
        return normalize_email(user.email)[1] if user.email else ""
    except Exception:  # noqa: BLE001 - an odd stored address only loses the block by address
        return ""


def _check_open(locked, now):
    if not locked.is_open(now):
        raise Closed(_("This dialog is not open for participation at the moment."))


def _check_blocked(dialog_id, user=None, email_key=""):
    condition = Q(pk__in=[])
    if user is not None:
        condition |= Q(user=user)
    if email_key:
        condition |= Q(email_key=email_key)
    if Block.objects.filter(condition, dialog_id=dialog_id).exists():
        raise Blocked(_("You can no longer take part in this dialog. If you think this is a "
                        "mistake, please contact the moderation team."))


def _lock(dialog_id):
    try:
        return lock_procedure(DialogPage, dialog_id, LOCK_FIELDS)
    except DialogPage.DoesNotExist:
        raise NotAvailable(_("This dialog does not exist.")) from None


def _validate_text(data, errors, with_title):
    text = clean_text(data.text, 0)
    if not text:
        errors["text"] = _("Please enter a text.")
    elif error := length_error(text, TEXT_MAX):
        errors["text"] = error
    title = ""
    if with_title:
        title = str(data.title or "").strip()
        if not title:
            errors["title"] = _("Please enter a title.")
        elif error := single_line_error(title) or length_error(title, TITLE_MAX):
            errors["title"] = error
    return title, text


def _validate_identity(dialog, user, data, errors):
    """-> (author or None, name, email, email_key). Raises LoginRequired."""
    if is_verified(user):
        name = user.get_full_name() or user.get_username()
        return user, name[:NAME_MAX], user.email, _user_email_key(user)
    if dialog.participation_mode == ParticipationMode.ACCOUNT:
        raise LoginRequired(_("Please log in with a confirmed user account to take part in "
                              "this dialog."))
    name = str(data.name or "").strip()
    if not name:
        errors["name"] = _("Please enter your name.")
    elif error := single_line_error(name) or length_error(name, NAME_MAX):
        errors["name"] = error
    email = key = ""
    try:
        email, key = normalize_email(data.email)
    except Exception:  # noqa: BLE001 - every invalid address gets the same answer
        errors["email"] = (_("Please enter your e-mail address.") if not str(data.email or "").strip()
                           else _("Please enter a valid e-mail address."))
    if not data.privacy_consent:
        errors["privacy_consent"] = _("Please agree to the privacy notice.")
    return None, name, email, key


def _max_image_pixels():
    """Wagtail's limit for its own upload forms (width x height x frames), which an
    upload here bypasses: a file of a few kilobytes can declare a canvas whose
    rendition takes seconds and gigabytes in the worker that first shows it."""
    return getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", 128_000_000)


def _validate_image(data, errors):
    """Check an uploaded image (type by content, size, pixels) and the required
    description."""
    from PIL import Image as PILImage

    upload = data.image
    alt = str(data.image_alt or "").strip()
    if not upload:
        return None, ""
    if upload.size > IMAGE_MAX_BYTES:
        errors["image"] = _("The image is too large (at most 5 MB).")
        return None, ""
    pixels = 0
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            with PILImage.open(upload) as probe:
                kind = probe.format
                pixels = probe.width * probe.height * getattr(probe, "n_frames", 1)
                probe.verify()
        upload.seek(0)
    except PILImage.DecompressionBombError:  # more than twice Pillow's own limit
        kind, pixels = None, float("inf")
    except Exception:  # noqa: BLE001 - anything Pillow cannot read is not an image
        kind = None
    limit = _max_image_pixels()
    if limit and pixels > limit:
        errors["image"] = _("The image has too many pixels (at most %(megapixels)s megapixels).") % {
            "megapixels": limit // 1_000_000 or 1}
        return None, ""
    if kind not in IMAGE_FORMATS:
        errors["image"] = _("Please upload a JPEG, PNG, GIF or WebP image.")
        return None, ""
    if not alt:
        errors["image_alt"] = _("Please describe the image for people who cannot see it.")
    elif error := single_line_error(alt) or length_error(alt, 300):
        errors["image_alt"] = error
    return (upload, kind), alt


def _save_image(dialog, image, alt):
    from django.core.files.base import ContentFile
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    upload, kind = image
    name = f"Dialog {dialog.pk}"
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=name).first() or root.add_child(name=name)
    upload.seek(0)
    content = ContentFile(upload.read(), name=f"beitrag.{IMAGE_FORMATS[kind]}")
    return get_image_model().objects.create(title=alt[:255], file=content, collection=collection)


def _initial_visibility(locked, verified):
    if not verified:
        return V.UNCONFIRMED
    return V.PENDING if locked.moderation_mode == ModerationMode.PRE else V.PUBLISHED


def recount_replies(root_id):
    """Set a contribution's ``reply_count`` to its public comments (one statement)."""
    table = connection.ops.quote_name(Post._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET reply_count = (SELECT count(*) FROM {table} c"
            f" WHERE c.root_id = %s AND c.visibility = ANY(%s)) WHERE id = %s",
            [root_id, [str(v) for v in PUBLIC], root_id],
        )


def _after_publish(post):
    """A post became public: counters, the cache version, and the reply notification."""
    if post.root_id:
        recount_replies(post.root_id)
        from . import tasks

        post_id = post.pk
        transaction.on_commit(lambda: tasks.notify_reply.enqueue(post_id))


# --- Posting -------------------------------------------------------------------------


def _submit(dialog, data, *, parent, user, address, now):
    now = now or timezone.now()
    errors = {}
    verified = is_verified(user)
    author, name, email, email_key = _validate_identity(dialog, user, data, errors)
    title, text = _validate_text(data, errors, with_title=parent is None)
    category_id, image, alt = None, None, ""
    if parent is None:
        if data.category_id not in (None, ""):
            ids = {str(c.pk): c.pk for c in dialog.categories.all()}
            if str(data.category_id) not in ids:
                errors["category"] = _("Please choose one of the categories.")
            else:
                category_id = ids[str(data.category_id)]
        image, alt = _validate_image(data, errors)
    if errors:
        raise InvalidPost(_("Please correct the marked fields."), errors)
    try:
        with locked_section(busy=DialogBusy):
            locked = _lock(dialog.pk)
            _check_open(locked, now)
            _check_blocked(dialog.pk, author, email_key)
            if parent is not None:
                # Re-read the parent after the lock: hidden or deleted in the meantime?
                parent = Post.objects.filter(pk=parent.pk, dialog_id=dialog.pk).first()
                if parent is None or parent.visibility != V.PUBLISHED or (
                        parent.root_id and Post.objects.filter(
                            pk=parent.root_id, visibility=V.PUBLISHED).count() == 0):
                    raise NotAvailable(_("This post cannot be answered (any more)."))
            post = Post(
                dialog_id=dialog.pk, title=title, text=text, category_id=category_id,
                image_alt=alt, author=author, author_name=name, author_email=email,
                email_key=email_key, notify_replies=bool(data.notify_replies),
                notify_results=bool(data.notify_results) and parent is None,
                visibility=_initial_visibility(locked, verified), created_at=now,
            )
            if parent is not None:
                post.root_id = parent.root_id or parent.pk
                post.reply_to_id = parent.pk
                if parent.depth >= MAX_DEPTH:
                    post.parent_id, post.depth = parent.parent_id, MAX_DEPTH
                else:
                    post.parent_id, post.depth = parent.pk, parent.depth + 1
            if author is None:
                post.record_consent(consent_text(), now)
            if image is not None:
                post.image = _save_image(dialog, image, alt)
            if post.visibility == V.PUBLISHED:
                post.published_at = now
            post.save()
            if post.visibility == V.PUBLISHED:
                _after_publish(post)
                bump_version(dialog.pk)
            elif post.visibility == V.UNCONFIRMED:
                from . import tasks

                post_id = post.pk
                transaction.on_commit(lambda: tasks.send_confirmation.enqueue(post_id))
    except ProcedureBusy:
        raise DialogBusy() from None
    return post


def submit_contribution(dialog, data, *, user=None, address=None, now=None):
    """A new contribution (depth 0). -> Post (published, pending or unconfirmed)."""
    return _submit(dialog, data, parent=None, user=user, address=address, now=now)


def submit_comment(parent, data, *, user=None, address=None, now=None):
    """A comment on ``parent`` (a contribution or a comment). -> Post."""
    dialog = DialogPage.objects.get(pk=parent.dialog_id) if not hasattr(parent, "_dialog") \
        else parent._dialog
    return _submit(dialog, data, parent=parent, user=user, address=address, now=now)


def confirm_link(post):
    return links.sign_timed("dialog.confirm", post.token)


def confirm_post(signed, now=None):
    """The author clicked the mailed link: an unconfirmed post becomes pending or
    published. Idempotent for a post confirmed already. -> Post."""
    now = now or timezone.now()
    token = links.unsign("dialog.confirm", signed, max_age=CONFIRM_MAX_AGE)
    post = Post.objects.filter(token=token).first() if token else None
    if post is None:
        raise LinkInvalid(_("This link is invalid or has expired."))
    if post.visibility != V.UNCONFIRMED:
        return post
    with locked_section(busy=DialogBusy):
        locked = _lock(post.dialog_id)
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.visibility != V.UNCONFIRMED:
            return post
        # Submitted within the period: the confirmation may come a little later.
        if locked.is_cancelled or (locked.closes_at and post.created_at >= locked.closes_at):
            raise Closed(_("This dialog is not open for participation at the moment."))
        _check_blocked(post.dialog_id, None, post.email_key)
        if post.root_id and not Post.objects.filter(pk=post.root_id, visibility=V.PUBLISHED).exists():
            raise NotAvailable(_("This post cannot be answered (any more)."))
        post.visibility = _initial_visibility(locked, True)
        if post.visibility == V.PUBLISHED:
            post.published_at = now
        post.save(update_fields=["visibility", "published_at"])
        if post.visibility == V.PUBLISHED:
            _after_publish(post)
            bump_version(post.dialog_id)
    return post


# --- Ratings -------------------------------------------------------------------------


def rate(post, user, value, now=None):
    """Support (1), oppose (-1) or withdraw (0) one's rating of a published post.
    -> the rating's value now (0: none)."""
    now = now or timezone.now()
    value = int(value)
    if value not in (1, -1, 0):
        raise InvalidPost(_("Invalid rating."))
    if not is_verified(user):
        raise LoginRequired(_("Please log in with a confirmed user account to rate."))
    dialog = DialogPage.objects.select_related("state").get(pk=post.dialog_id)
    _check_open(dialog, now)
    with transaction.atomic():
        locked = Post.objects.select_for_update().filter(pk=post.pk).only(
            "visibility", "root_id", "dialog_id").first()
        if locked is None or locked.visibility != V.PUBLISHED:
            raise NotAvailable(_("This post cannot be rated."))
        if locked.root_id and not Post.objects.filter(pk=locked.root_id,
                                                      visibility=V.PUBLISHED).exists():
            raise NotAvailable(_("This post cannot be rated."))
        _check_blocked(post.dialog_id, user, _user_email_key(user))
        existing = Rating.objects.filter(post_id=post.pk, user=user).first()
        old = existing.value if existing else 0
        if old == value:
            return value
        if value == 0:
            existing.delete()
        elif existing is not None:
            existing.value = value
            existing.created_at = now
            existing.save(update_fields=["value", "created_at"])
        else:
            try:
                with transaction.atomic():
                    Rating.objects.create(post_id=post.pk, user=user, value=value, created_at=now)
            except IntegrityError:  # the backstop; the row lock makes this unreachable
                raise DialogBusy() from None
        support = (value == 1) - (old == 1)
        oppose = (value == -1) - (old == -1)
        Post.objects.filter(pk=post.pk).update(
            support_count=F("support_count") + support, oppose_count=F("oppose_count") + oppose)
        bump_version(post.dialog_id)
    return value


# --- Editing and deleting one's own posts ----------------------------------------------
#
# The author is proven by a verified account (``user``) or, for a post written in e-mail
# mode without an account, by the personal manage link mailed with the confirmation
# (``link``: the signed string). The link signs the post's random token under a salt that
# names the purpose and the tenant (links.py): it opens this one post at this one portal,
# and the confirmation or unsubscribe link of the same post cannot stand in for it. It
# has no expiry of its own: the dialog's period bounds what it can do.

MANAGE = "dialog.manage"


def manage_link(post):
    """The signed part of the author's personal link to edit or delete ``post``."""
    return links.sign(MANAGE, post.token)


def _token_from_link(link):
    token = links.unsign(MANAGE, link) if link else None
    if not token:
        raise LinkInvalid(_("This link is invalid or has expired."))
    return token


def post_for_manage_link(link):
    """-> the post (with its dialog) that a manage link was made for. Only posts written
    without an account have one (an account's posts are changed when logged in), and only
    in a published dialog (the logged-in path reaches its posts through the live page)."""
    token = _token_from_link(link)
    post = Post.objects.select_related("dialog").filter(
        token=token, author__isnull=True, dialog__live=True).first()
    if post is None:
        raise LinkInvalid(_("This link is invalid or has expired."))
    return post


def _closed_for_changes(dialog, now):
    """The refusal for a change outside the period, saying why (or None when open)."""
    status = dialog.status_at(now)
    if status == ProcedureStatus.OPEN:
        return None
    if status == ProcedureStatus.CLOSED:
        return Closed(_("This dialog has ended. Your post can no longer be edited or deleted."))
    return Closed(_("This dialog is not open for participation at the moment. Your post "
                    "cannot be edited or deleted now."))


@dataclass
class ManageState:
    """What the holder of a manage link may do with the post now; if nothing, why."""

    post: Post
    can_change: bool
    message: str = ""


def manage_state(post, now=None):
    """The manage page's answer, read without a lock (the change itself re-checks under
    it). Order: the post's own state first, then the period, then a block."""
    now = now or timezone.now()
    refusal = None
    if post.visibility == V.UNCONFIRMED:
        refusal = _("Your post has not been confirmed yet. Please confirm it first with the "
                    "link in the e-mail we sent you.")
    elif post.visibility == V.DELETED:
        refusal = _("You have deleted this post. It can no longer be changed.")
    elif post.visibility not in (V.PUBLISHED, V.PENDING):
        refusal = _("The moderation team has hidden this post. It can no longer be changed.")
    elif closed := _closed_for_changes(post.dialog, now):
        refusal = closed.message
    else:
        try:
            _check_blocked(post.dialog_id, None, post.email_key)
        except Blocked as error:
            refusal = error.message
    return ManageState(post=post, can_change=refusal is None, message=refusal or "")


def _own_post(post, user, now, link=None):
    """Lock the dialog and the post, and check that the caller may change it."""
    token = None
    if link is not None:
        token = _token_from_link(link)
        if post.author_id is not None or not constant_time_compare(token, post.token):
            raise LinkInvalid(_("This link is invalid or has expired."))
    elif not is_verified(user):
        raise LoginRequired(_("Please log in to change your posts."))
    locked_dialog = _lock(post.dialog_id)
    if token is None:
        _check_open(locked_dialog, now)
    elif closed := _closed_for_changes(locked_dialog, now):
        raise closed
    current = Post.objects.select_for_update().filter(pk=post.pk).first()
    if token is None:
        mine = current is not None and current.author_id == user.pk
    else:
        mine = current is not None and current.author_id is None and current.token == token
    if not mine or current.visibility not in (V.PUBLISHED, V.PENDING):
        raise NotAvailable(_("You cannot change this post."))
    if token is None:
        _check_blocked(current.dialog_id, user, _user_email_key(user))
    else:
        _check_blocked(current.dialog_id, None, current.email_key)
    return locked_dialog, current


def edit_post(post, user, data, now=None, *, link=None):
    """The author changes title/text/category of their post while the dialog is open;
    ``user`` is their account, or None and ``link`` their manage link (e-mail mode).
    In pre-moderation an edited post waits for approval again. -> Post."""
    now = now or timezone.now()
    errors = {}
    title, text = _validate_text(data, errors, with_title=post.depth == 0)
    category_id = post.category_id
    if post.depth == 0 and "category_id" not in data.extra:
        ids = {str(c.pk): c.pk for c in post.dialog.categories.all()}
        if data.category_id in (None, ""):
            category_id = None
        elif str(data.category_id) in ids:
            category_id = ids[str(data.category_id)]
        else:
            errors["category"] = _("Please choose one of the categories.")
    if errors:
        raise InvalidPost(_("Please correct the marked fields."), errors)
    with locked_section(busy=DialogBusy):
        locked, current = _own_post(post, user, now, link)
        current.title, current.text, current.category_id = title, text, category_id
        current.edited_at = now
        was_public = current.visibility == V.PUBLISHED
        if locked.moderation_mode == ModerationMode.PRE and was_public:
            current.visibility = V.PENDING
        current.save(update_fields=["title", "text", "category_id", "edited_at", "visibility"])
        if current.root_id and current.visibility != V.PUBLISHED:
            recount_replies(current.root_id)
        bump_version(current.dialog_id)
    return current


def delete_post(post, user, now=None, *, link=None):
    """The author deletes their post: its text goes (a note is shown), replies stay.
    ``user`` is their account, or None and ``link`` their manage link (e-mail mode)."""
    now = now or timezone.now()
    with locked_section(busy=DialogBusy):
        _locked, current = _own_post(post, user, now, link)
        current.visibility = V.DELETED
        current.deleted_at = now
        current.text = ""
        current.title = ""
        current.image = None
        current.image_alt = ""
        current.notify_replies = False
        current.save(update_fields=["visibility", "deleted_at", "text", "title", "image",
                                    "image_alt", "notify_replies"])
        if current.root_id:
            recount_replies(current.root_id)
        bump_version(current.dialog_id)
    return current


# --- Reports -------------------------------------------------------------------------


def auto_hide_reason():
    with translation.override("de"):
        return _("reported, under review")


def report(post, reason, *, user=None, address=None, now=None):
    """Report a published post to the moderators; at the dialog's threshold of open
    reports it is hidden until reviewed (logged as AUTO_HIDE). -> Report."""
    now = now or timezone.now()
    reason = clean_text(reason, 0)
    if not reason:
        raise InvalidPost(_("Please correct the marked fields."),
                          {"reason": _("Please tell us why you are reporting this post.")})
    if error := length_error(reason, REASON_MAX):
        raise InvalidPost(_("Please correct the marked fields."), {"reason": error})
    reporter = user if is_verified(user) else None
    key = "" if reporter else client_key(address)
    if reporter is None and not key:
        key = "portal"
    with locked_section(busy=DialogBusy):
        locked = _lock(post.dialog_id)
        current = Post.objects.select_for_update().filter(pk=post.pk).first()
        if current is None or current.visibility != V.PUBLISHED:
            raise NotAvailable(_("This post cannot be reported."))
        try:
            with transaction.atomic():
                created = Report.objects.create(post=current, reason=reason, reporter=reporter,
                                                reporter_key=key, created_at=now)
        except IntegrityError:
            raise AlreadyReported(_("You have already reported this post. The moderation "
                                    "team will look at it.")) from None
        open_reports = Report.objects.filter(post=current, resolved_at__isnull=True).count()
        current.report_count = open_reports
        fields = ["report_count"]
        if open_reports >= locked.report_threshold:
            apply_hide(current, auto_hide_reason(), now)
            fields += ["visibility", "hidden_reason", "hidden_at"]
            ModerationLog.objects.create(dialog_id=current.dialog_id, post=current,
                                         action=Action.AUTO_HIDE, reason=current.hidden_reason,
                                         at=now)
            bump_version(current.dialog_id)
        current.save(update_fields=fields)
    return created


# --- E-mail preferences ----------------------------------------------------------------


def unsubscribe_link(post):
    return links.sign("dialog.unsubscribe", post.token)


def unsubscribe_post(signed):
    """The post an unsubscribe link was made for; LinkInvalid for a forged link, another
    portal's, or one whose post is gone."""
    token = links.unsign("dialog.unsubscribe", signed)
    post = Post.objects.filter(token=token).first() if token else None
    if post is None:
        raise LinkInvalid(_("This link is invalid or has expired."))
    return post


def unsubscribe(signed):
    """Stop reply and result e-mails for every post of this author in the dialog.
    -> the number of posts changed."""
    post = unsubscribe_post(signed)
    same = Q(pk=post.pk)
    if post.email_key:
        same |= Q(email_key=post.email_key)
    if post.author_id:
        same |= Q(author_id=post.author_id)
    with transaction.atomic():
        return Post.objects.filter(same, dialog_id=post.dialog_id).update(
            notify_replies=False, notify_results=False)
