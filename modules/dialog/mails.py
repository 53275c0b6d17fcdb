"""The public e-mails of the dialog: confirm an e-mail-mode post (with the author's
personal link to edit or delete it), a reply arrived.
Rendered from templates/dialog/email/; links on the tenant's own domain."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from beteiligung.participation.mail import send_mail, tenant_url
from beteiligung.participation.text import one_line

from . import services

SUBJECTS = {
    "confirm": _("Please confirm your post: %(title)s"),
    "reply": _("New reply to your post: %(title)s"),
}


def _post_url(post):
    dialog = post.dialog
    root_id = post.root_id or post.pk
    return tenant_url(f"{dialog.url_path_on_site}beitrag/{root_id}/#beitrag-{post.pk}")


def send_confirmation(post):
    if not post.author_email:
        return 0
    dialog = post.dialog
    context = {
        "post": post, "dialog": dialog,
        "confirm_url": tenant_url(reverse("dialog:confirm", args=[services.confirm_link(post)])),
        "manage_url": tenant_url(reverse("dialog:manage", args=[services.manage_link(post)])),
        "dialog_url": tenant_url(dialog.url_path_on_site),
    }
    return send_mail(post.author_email, SUBJECTS["confirm"] % {"title": one_line(dialog.title)},
                     "dialog/email/confirm", context)


def send_reply_notification(reply, parent):
    if not parent.author_email:
        return 0
    dialog = reply.dialog
    context = {
        "reply": reply, "parent": parent, "dialog": dialog, "post_url": _post_url(reply),
        "unsubscribe_url": tenant_url(reverse("dialog:unsubscribe",
                                              args=[services.unsubscribe_link(parent)])),
    }
    return send_mail(parent.author_email, SUBJECTS["reply"] % {"title": one_line(dialog.title)},
                     "dialog/email/reply", context)
