"""After-commit e-mail of the moderation: the author of a hidden post, and the results.
Every task runs in the tenant that enqueued it (beteiligung.project.task_backends)."""

from django_tasks import task


@task()
def send_hidden_notice(post_id):
    """Tell the author that (and why) their post was hidden, if it still is."""
    from beteiligung.participation.moderation import Visibility

    from .models import Post
    from .moderation_mails import send_hidden_notice as send

    post = Post.objects.filter(pk=post_id, visibility=Visibility.HIDDEN).select_related(
        "dialog", "author").first()
    return send(post) if post is not None else 0


@task()
def send_results_notices(dialog_id):
    from .models import DialogPage
    from .moderation import results_recipients
    from .moderation_mails import send_results_notice

    dialog = DialogPage.objects.filter(pk=dialog_id).first()
    if dialog is None:
        return 0
    return sum(send_results_notice(dialog, address, name)
               for address, name in results_recipients(dialog_id))
