"""The dialog's services: period, modes, moderation, threshold, blocks, edits, ratings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from beteiligung.participation.moderation import Action, Visibility
from beteiligung.participation.state import ProcedureState
from modules.dialog import services
from modules.dialog.models import Block, ModerationLog, Post, Rating

from .conftest import email_data, post_data

V = Visibility


def version(dialog):
    return ProcedureState.objects.filter(procedure_id=dialog.pk).values_list(
        "version", flat=True).first() or 0


def test_account_mode_post_is_published_and_bumps_version(dialog, user):
    before = version(dialog)
    post = services.submit_contribution(dialog, post_data(), user=user)
    assert post.visibility == V.PUBLISHED and post.author == user
    assert post.author_name == "Anna Beispiel" and post.published_at
    assert version(dialog) > before


def test_pre_moderation_keeps_post_pending(dialog, user):
    dialog.moderation_mode = "pre"
    dialog.save_revision().publish()
    post = services.submit_contribution(dialog, post_data(), user=user)
    assert post.visibility == V.PENDING


def test_anonymous_and_unverified_refused_in_account_mode(dialog):
    from ..factories import make_user

    with pytest.raises(services.LoginRequired):
        services.submit_contribution(dialog, email_data(), user=None)
    unverified = make_user("x@example.org", verified=False)
    with pytest.raises(services.LoginRequired):
        services.submit_contribution(dialog, email_data(), user=unverified)
    assert not Post.objects.exists()


def test_email_mode_requires_name_email_consent_then_confirms(dialog, committed, mailoutbox):
    dialog.participation_mode = "email"
    dialog.save_revision().publish()
    with pytest.raises(services.InvalidPost) as refused:
        services.submit_contribution(dialog, post_data(email="kaputt"), user=None)
    assert set(refused.value.errors) >= {"name", "email", "privacy_consent"}
    with committed():
        post = services.submit_contribution(dialog, email_data(), user=None)
    assert post.visibility == V.UNCONFIRMED and post.consent_text_hash
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    link = [line for line in body.split() if "/dialoge/bestaetigen/" in line][0]
    signed = link.rstrip("/").rsplit("/", 1)[1]
    confirmed = services.confirm_post(signed)
    assert confirmed.visibility == V.PUBLISHED
    assert services.confirm_post(signed).visibility == V.PUBLISHED  # idempotent
    with pytest.raises(services.LinkInvalid):
        services.confirm_post(signed + "x")


def test_outside_period_refused_also_replayed(dialog, user):
    early = dialog.starts_at - timedelta(hours=1)
    with pytest.raises(services.Closed):
        services.submit_contribution(dialog, post_data(), user=user, now=early)
    post = services.submit_contribution(dialog, post_data(), user=user)
    later = dialog.ends_at + timedelta(minutes=1)
    with pytest.raises(services.Closed):
        services.submit_contribution(dialog, post_data(), user=user, now=later)
    with pytest.raises(services.Closed):
        services.submit_comment(post, post_data(title=""), user=user, now=later)
    with pytest.raises(services.Closed):
        services.rate(post, user, 1, now=later)
    with pytest.raises(services.Closed):
        services.edit_post(post, user, post_data(text="neu"), now=later)
    assert Post.objects.count() == 1


def test_text_limits_and_one_line_title(dialog, user):
    with pytest.raises(services.InvalidPost) as refused:
        services.submit_contribution(dialog, post_data(title="a\nb", text="x" * 5001), user=user)
    assert set(refused.value.errors) == {"title", "text"}


def test_comments_thread_to_depth_three(dialog, user, other):
    root = services.submit_contribution(dialog, post_data(), user=user)
    c1 = services.submit_comment(root, post_data(title="", text="eins"), user=other)
    c2 = services.submit_comment(c1, post_data(title="", text="zwei"), user=user)
    c3 = services.submit_comment(c2, post_data(title="", text="drei"), user=other)
    c4 = services.submit_comment(c3, post_data(title="", text="vier"), user=user)
    assert [c.depth for c in (c1, c2, c3, c4)] == [1, 2, 3, 3]
    assert c4.parent_id == c2.pk and c4.reply_to_id == c3.pk and c4.root_id == root.pk
    root.refresh_from_db()
    assert root.reply_count == 4


def test_blocked_participant_refused(dialog, user):
    Block.objects.create(dialog=dialog, user=user)
    with pytest.raises(services.Blocked):
        services.submit_contribution(dialog, post_data(), user=user)


def test_blocked_by_address_in_email_mode(dialog):
    dialog.participation_mode = "email"
    dialog.save_revision().publish()
    Block.objects.create(dialog=dialog, email_key="erika@example.org")
    with pytest.raises(services.Blocked):
        services.submit_contribution(dialog, email_data(email="Erika@Example.org"))


def test_rating_change_and_withdraw(dialog, user, other):
    post = services.submit_contribution(dialog, post_data(), user=user)
    assert services.rate(post, other, 1) == 1
    post.refresh_from_db()
    assert (post.support_count, post.oppose_count) == (1, 0)
    services.rate(post, other, -1)
    post.refresh_from_db()
    assert (post.support_count, post.oppose_count) == (0, 1)
    services.rate(post, other, -1)  # same again: nothing changes
    post.refresh_from_db()
    assert (post.support_count, post.oppose_count) == (0, 1)
    services.rate(post, other, 0)
    post.refresh_from_db()
    assert (post.support_count, post.oppose_count) == (0, 0)
    assert not Rating.objects.exists()
    with pytest.raises(services.LoginRequired):
        services.rate(post, None, 1)


def test_hidden_or_deleted_target_refused(dialog, user, other):
    post = services.submit_contribution(dialog, post_data(), user=user)
    Post.objects.filter(pk=post.pk).update(visibility=V.HIDDEN)
    with pytest.raises(services.NotAvailable):
        services.rate(post, other, 1)
    with pytest.raises(services.NotAvailable):
        services.submit_comment(post, post_data(title=""), user=other)
    with pytest.raises(services.NotAvailable):
        services.report(post, "Beleidigung", user=other)


def test_edit_and_delete_only_own_while_open(dialog, user, other):
    post = services.submit_contribution(dialog, post_data(), user=user)
    reply = services.submit_comment(post, post_data(title="", text="Antwort"), user=other)
    with pytest.raises(services.NotAvailable):
        services.edit_post(post, other, post_data(text="fremd"))
    edited = services.edit_post(post, user, post_data(title="Neuer Titel", text="Neu"))
    assert edited.text == "Neu" and edited.edited_at
    with pytest.raises(services.NotAvailable):
        services.delete_post(post, other)
    deleted = services.delete_post(post, user)
    assert deleted.visibility == V.DELETED and deleted.text == ""
    assert Post.objects.filter(pk=reply.pk, visibility=V.PUBLISHED).exists()
    with pytest.raises(services.NotAvailable):
        services.edit_post(post, user, post_data())


def test_report_threshold_hides_and_logs(dialog, user, other):
    from ..factories import make_user

    post = services.submit_contribution(dialog, post_data(), user=user)
    services.report(post, "Beleidigung", user=other)
    with pytest.raises(services.AlreadyReported):
        services.report(post, "nochmal", user=other)
    post.refresh_from_db()
    assert post.visibility == V.PUBLISHED and post.report_count == 1
    services.report(post, "Spam", address="203.0.113.9")
    post.refresh_from_db()
    assert post.visibility == V.HIDDEN and post.hidden_reason
    assert ModerationLog.objects.filter(post=post, action=Action.AUTO_HIDE).count() == 1
    third = make_user("c@example.org")
    with pytest.raises(services.NotAvailable):
        services.report(post, "zu spät", user=third)


def test_reply_notification_opt_in_and_unsubscribe(dialog, user, other, committed, mailoutbox):
    post = services.submit_contribution(dialog, post_data(notify_replies=True), user=user)
    with committed():
        services.submit_comment(post, post_data(title="", text="<b>Hallo</b>"), user=other)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["anna@example.org"]
    link = [w for w in mailoutbox[0].body.split() if "/dialoge/abbestellen/" in w][0]
    assert services.unsubscribe(link.rstrip("/").rsplit("/", 1)[1]) >= 1
    with committed():
        services.submit_comment(post, post_data(title="", text="noch eine"), user=other)
    assert len(mailoutbox) == 1


def test_image_upload_needs_description_and_real_image(dialog, user):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "green").save(buffer, "PNG")
    png = SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png")
    with pytest.raises(services.InvalidPost) as refused:
        services.submit_contribution(dialog, post_data(image=png), user=user)
    assert "image_alt" in refused.value.errors
    fake = SimpleUploadedFile("a.png", b"<svg onload=alert(1)>", content_type="image/png")
    with pytest.raises(services.InvalidPost) as refused:
        services.submit_contribution(dialog, post_data(image=fake, image_alt="x"), user=user)
    assert "image" in refused.value.errors
    post = services.submit_contribution(dialog, post_data(image=png, image_alt="Grüne Fläche"),
                                        user=user)
    assert post.image is not None and post.image.collection.name == f"Dialog {dialog.pk}"


def test_image_with_more_pixels_than_wagtail_allows_is_refused(dialog, user, settings, tmp_path):
    """A few kilobytes can declare a canvas whose first rendition takes seconds and
    gigabytes; Wagtail's own upload forms refuse it, and so does the dialog."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    settings.MEDIA_ROOT = tmp_path

    def upload(size, frames=1, kind="PNG"):
        buffer = io.BytesIO()
        images = [Image.new("RGB", size, color) for color in ("red", "blue", "green")[:frames]]
        images[0].save(buffer, kind, save_all=frames > 1, append_images=images[1:])
        return SimpleUploadedFile(f"a.{kind.lower()}", buffer.getvalue())

    for image in (upload((50, 21)), upload((20, 20), frames=3, kind="GIF")):
        with pytest.raises(services.InvalidPost) as refused:
            services.submit_contribution(dialog, post_data(image=image, image_alt="x"), user=user)
        assert "Pixel" in refused.value.errors["image"] or "pixels" in refused.value.errors["image"]
    post = services.submit_contribution(dialog, post_data(image=upload((50, 20)), image_alt="x"),
                                        user=user)
    assert post.image.width * post.image.height == 1000


def test_timezone_now_default(dialog, user):
    post = services.submit_contribution(dialog, post_data(), user=user)
    assert abs((post.created_at - timezone.now()).total_seconds()) < 60
