"""Background work of the dialog's public side. Every task runs in the tenant that
enqueued it (after the commit of the change it reports)."""

from django_tasks import task

from beteiligung.participation.moderation import Visibility

from .models import Post


@task()
def send_confirmation(post_id):
    from .mails import send_confirmation as send

    post = Post.objects.filter(pk=post_id, visibility=Visibility.UNCONFIRMED).select_related(
        "dialog").first()
    return send(post) if post is not None else 0


@task()
def notify_reply(post_id):
    """Tell the author of the answered post (if they opted in, and it is not their own)."""
    from .mails import send_reply_notification

    reply = Post.objects.filter(pk=post_id, visibility=Visibility.PUBLISHED).select_related(
        "dialog", "reply_to", "parent").first()
    if reply is None:
        return 0
    parent = reply.reply_to or reply.parent
    if parent is None or not parent.notify_replies or parent.visibility != Visibility.PUBLISHED:
        return 0
    same_author = (parent.author_id and parent.author_id == reply.author_id) or (
        parent.email_key and parent.email_key == reply.email_key)
    if same_author:
        return 0
    return send_reply_notification(reply, parent)
