"""The moderation services (modules/dialog/moderation.py) and their e-mails."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from beteiligung.participation.moderation import Action, Visibility
from beteiligung.participation.state import ProcedureState
from modules.dialog import moderation
from modules.dialog.models import Block, ModerationLog, Post, Report

from ..factories import make_user
from .conftest import make_dialog, make_post

V = Visibility


@pytest.fixture
def moderator(authority_a):
    user = make_user("moderation@leipzig.de", first_name="Mona", last_name="Moderatorin")
    user.groups.add(authority_a.editor_group)
    return user


@pytest.fixture
def author(dialog):
    return make_user("anna@example.org", first_name="Anna", last_name="Beispiel")


def version(dialog):
    rows = ProcedureState.objects.filter(procedure_id=dialog.pk).values_list("version", flat=True)
    return rows.first() or 0


def reload(post):
    return Post.objects.get(pk=post.pk)


def test_approve_publishes_pending_post_and_logs(dialog, moderator):
    post = make_post(dialog, visibility="pending")
    comment = make_post(dialog, "Ja!", parent=make_post(dialog), visibility="pending")
    before = version(dialog)
    moderation.approve(post, moderator)
    moderation.approve(comment, moderator)
    post = reload(post)
    assert post.visibility == V.PUBLISHED and post.published_at and post.reviewed_at
    assert reload(comment.root).reply_count == 1
    log = ModerationLog.objects.filter(post=post).get()
    assert (log.action, log.actor) == (Action.APPROVE, moderator)
    assert version(dialog) == before + 2
    with pytest.raises(moderation.ModerationError):
        moderation.approve(post, moderator)


def test_hide_needs_reason_logs_and_mails_author(dialog, moderator, author, committed, mailoutbox):
    post = make_post(dialog, author=author)
    Report.objects.create(post=post, reason="Beleidigung", reporter_key="k1")
    Post.objects.filter(pk=post.pk).update(report_count=1)
    with pytest.raises(moderation.ModerationError):
        moderation.hide(post, moderator, "   ")
    before = version(dialog)
    with committed():
        moderation.hide(post, moderator, "Beleidigung\neiner Person")
    post = reload(post)
    assert post.visibility == V.HIDDEN
    assert post.hidden_reason == "Beleidigung einer Person"
    assert post.report_count == 0
    assert not Report.objects.filter(post=post, resolved_at__isnull=True).exists()
    log = ModerationLog.objects.get(post=post)
    assert (log.action, log.reason, log.actor) == (Action.HIDE, "Beleidigung einer Person", moderator)
    assert version(dialog) == before + 1
    [mail] = mailoutbox
    assert mail.to == ["anna@example.org"]
    assert "Begründung: Beleidigung einer Person" in mail.body
    assert "Vom Moderationsteam ausgeblendet: Beleidigung einer Person" in mail.body
    assert "http://alpha.localhost" in mail.body and f"beitrag/{post.pk}/" in mail.body


def test_hide_mails_email_mode_author(dialog, moderator, committed, mailoutbox):
    post = make_post(dialog, author_email="berta@example.org", email_key="berta@example.org",
                     notify_results=False)
    with committed():
        moderation.hide(post, moderator, "Werbung")
    assert [m.to for m in mailoutbox] == [["berta@example.org"]]


def test_restore_and_dismiss(dialog, moderator):
    post = make_post(dialog)
    moderation.hide(post, moderator, "Werbung")
    moderation.restore(post, moderator)
    post = reload(post)
    assert post.visibility == V.PUBLISHED and post.hidden_reason == "" and post.hidden_at is None
    # Hidden automatically after reports: dismissing the reports shows it again.
    Report.objects.create(post=post, reason="doof", reporter_key="a")
    Post.objects.filter(pk=post.pk).update(visibility=V.HIDDEN, hidden_reason="gemeldet",
                                           report_count=1)
    ModerationLog.objects.create(dialog=dialog, post=post, action=Action.AUTO_HIDE)
    moderation.dismiss_reports(post, moderator)
    post = reload(post)
    assert post.visibility == V.PUBLISHED and post.report_count == 0
    assert list(ModerationLog.objects.filter(post=post).values_list("action", flat=True)) == [
        Action.DISMISS, Action.AUTO_HIDE, Action.RESTORE, Action.HIDE]
    with pytest.raises(moderation.ModerationError):
        moderation.dismiss_reports(post, moderator)
    # Hidden by a moderator: dismissing later reports leaves it hidden.
    moderation.hide(post, moderator, "Werbung")
    Report.objects.create(post=post, reason="x", reporter_key="b")
    Post.objects.filter(pk=post.pk).update(report_count=1)
    moderation.dismiss_reports(post, moderator)
    assert reload(post).visibility == V.HIDDEN


def test_block_and_unblock(dialog, moderator, author):
    post = make_post(dialog, author=author)
    outcome = moderation.block(dialog, moderator, post=post, reason="wiederholt beleidigend")
    assert outcome.block.user == author
    assert moderation.is_blocked(dialog.pk, user=author)
    with pytest.raises(moderation.ModerationError):
        moderation.block(dialog, moderator, user=author)
    email_post = make_post(dialog, author_email="c@example.org", email_key="c@example.org")
    moderation.block(dialog, moderator, post=email_post)
    assert moderation.is_blocked(dialog.pk, email_key="c@example.org")
    with pytest.raises(moderation.ModerationError):
        moderation.block(dialog, moderator, user=moderator)
    moderation.unblock(outcome.block, moderator)
    assert not moderation.is_blocked(dialog.pk, user=author)
    actions = list(ModerationLog.objects.filter(dialog=dialog).values_list("action", flat=True))
    assert actions.count(Action.BLOCK) == 2 and actions.count(Action.UNBLOCK) == 1
    assert Block.objects.filter(dialog=dialog).count() == 1


def test_only_moderators_may_act(dialog, authority_a, author):
    from django.contrib.auth.models import Group

    post = make_post(dialog, visibility="pending")
    for action in (lambda u: moderation.approve(post, u), lambda u: moderation.hide(post, u, "x"),
                   lambda u: moderation.block(dialog, u, post=post),
                   lambda u: moderation.official_reply(post, u, "Antwort")):
        with pytest.raises(PermissionDenied):
            action(author)
    group = Group.objects.create(name="Moderation Radverkehr")
    dialog.moderator_group = group
    dialog.save_revision().publish()
    author.groups.add(group)
    moderation.approve(post, author)  # now a member of the moderator group
    assert reload(post).visibility == V.PUBLISHED
    other = make_dialog(authority_a, title="Anderer Dialog")
    with pytest.raises(PermissionDenied):
        moderation.hide(make_post(other), author, "x")


def test_official_reply_and_depth(dialog, moderator):
    contribution = make_post(dialog)
    c1 = make_post(dialog, "1", parent=contribution)
    c2 = make_post(dialog, "2", parent=c1)
    c3 = make_post(dialog, "3", parent=c2)
    reply = moderation.official_reply(c3, moderator, "Die Stadt prüft das.")
    assert reply.is_official and reply.visibility == V.PUBLISHED
    assert (reply.depth, reply.parent_id, reply.root_id) == (3, c2.pk, contribution.pk)
    assert "Mona Moderatorin" in reply.author_name and "Leipzig" in reply.author_name
    assert reload(contribution).reply_count == 4


def test_results_announced_once_to_who_asked(dialog, moderator, committed, mailoutbox):
    now = timezone.now()
    make_post(dialog, author_email="a@example.org", email_key="a@example.org", notify_results=True)
    make_post(dialog, author_email="A@example.org", email_key="a@example.org", notify_results=True)
    make_post(dialog, author_email="b@example.org", email_key="b@example.org")
    make_post(dialog, author_email="u@example.org", visibility="unconfirmed", notify_results=True)
    make_post(dialog, author=make_user("konto@example.org"), notify_results=True)
    dialog.results = "<p>Die Stadt baut drei neue Radwege.</p>"
    with committed():
        dialog.save_revision().publish()  # still open: nothing is announced
    assert mailoutbox == []
    dialog.ends_at = now - timedelta(hours=1)
    dialog.results = "<p></p>"
    with committed():
        dialog.save_revision().publish()  # ended, results empty
    assert mailoutbox == []
    dialog.results = "<p>Die Stadt baut drei neue Radwege.</p>"
    with committed():
        dialog.save_revision().publish()
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.org", "konto@example.org"]
    assert ProcedureState.objects.get(procedure_id=dialog.pk).results_announced_at
    with committed():
        dialog.save_revision().publish()
        assert moderation.announce_results(dialog) is False
    assert len(mailoutbox) == 2


def test_hostile_reason_and_name_stay_inert_in_mail(dialog, moderator, committed, mailoutbox,
                                                    hostile_inputs):
    for i, value in enumerate(hostile_inputs["xss"]):
        post = make_post(dialog, value, author_name=value, title=value[:200],
                         author_email=f"x{i}@example.org", email_key=f"x{i}@example.org")
        with committed():
            moderation.hide(post, moderator, value + "\nBcc: evil@example.org")
    assert len(mailoutbox) == len(hostile_inputs["xss"])
    for mail in mailoutbox:
        assert not mail.alternatives  # plain text only: nothing in it is markup
        assert "\n" not in mail.subject
        assert not [line for line in mail.body.splitlines() if line.startswith("Bcc")]
