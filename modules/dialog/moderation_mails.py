"""The e-mails of the moderation, rendered from templates/dialog/email/ (plain text:
what participants typed is put in as typed, never as markup, single-line values on one
line)."""

from django.utils.translation import gettext as _

from beteiligung.participation.mail import send_mail, tenant_url
from beteiligung.participation.text import one_line

from .moderation import author_address


def post_url(post):
    dialog = post.dialog
    root_id = post.root_id or post.pk
    return tenant_url(f"{dialog.url_path_on_site}beitrag/{root_id}/")


def send_hidden_notice(post):
    address = author_address(post)
    if not address:
        return 0
    dialog = post.dialog
    context = {
        "post": post, "dialog": dialog, "name": one_line(post.author_name),
        "title": one_line(post.title), "reason": one_line(post.hidden_reason),
        "question": one_line(dialog.question or dialog.title),
        "post_url": post_url(post), "dialog_url": tenant_url(dialog.url_path_on_site),
        "netiquette_url": tenant_url(dialog.netiquette_page.url_path_on_site
                                     if dialog.netiquette_page_id else "/dialoge/netiquette/"),
        "contact_email": dialog.contact_email,
    }
    subject = _("Your post was hidden: %(title)s") % {"title": one_line(dialog.title)}
    return send_mail(address, subject, "dialog/email/moderation_hidden", context)


def send_results_notice(dialog, address, name):
    context = {
        "dialog": dialog, "name": one_line(name),
        "question": one_line(dialog.question or dialog.title),
        "dialog_url": tenant_url(dialog.url_path_on_site),
    }
    subject = _("Results published: %(title)s") % {"title": one_line(dialog.title)}
    return send_mail(address, subject, "dialog/email/results_published", context)
