"""Demo dialogues (modules/dialog/demo.py): idempotent, consistent counters, listed."""

import pytest
from django.db.models import Count, Q
from django_tenants.utils import tenant_context

from beteiligung.portal.authorities import create_authority
from beteiligung.portal.demo import DEMO_TENANTS


def _snapshot():
    from modules.dialog.models import DialogCategory, DialogPage, ModerationLog, Post, Rating

    return {
        "dialogs": sorted(DialogPage.objects.values_list("pk", "slug", "moderation_mode")),
        "categories": sorted(DialogCategory.objects.values_list("pk", "page_id", "name")),
        "posts": sorted(Post.objects.values_list(
            "pk", "dialog_id", "root_id", "parent_id", "depth", "visibility", "author_id",
            "support_count", "oppose_count", "reply_count")),
        "ratings": sorted(Rating.objects.values_list("pk", "post_id", "user_id", "value")),
        "log": sorted(ModerationLog.objects.values_list("pk", "post_id", "action")),
    }


@pytest.fixture(params=DEMO_TENANTS, ids=[spec["schema"] for spec in DEMO_TENANTS])
def demo(request, tenant_a):
    """Demo content of one demo tenant's spec, run twice in tenant A."""
    from modules.dialog.demo import ensure_demo_dialogs

    spec = request.param
    with tenant_context(tenant_a):
        create_authority(spec["authorities"][0][0], short_name=spec["authorities"][0][1])
        ensure_demo_dialogs(tenant_a, spec)
        first = _snapshot()
        ensure_demo_dialogs(tenant_a, spec)
        second = _snapshot()
    return spec, first, second


def test_running_twice_changes_nothing(demo):
    _spec, first, second = demo
    assert first == second
    assert len(first["dialogs"]) == 2


def test_content_and_counters_are_consistent(tenant_a, demo):
    from beteiligung.participation.moderation import Visibility
    from beteiligung.participation.state import ProcedureState
    from modules.dialog.models import DialogPage, Post

    with tenant_context(tenant_a):
        open_dialog = DialogPage.objects.get(moderation_mode="post")
        pre = DialogPage.objects.get(moderation_mode="pre")
        for dialog in (open_dialog, pre):
            assert dialog.live and dialog.is_open()
            assert dialog.participation_mode == "email"
            assert dialog.authority is not None
            assert ProcedureState.objects.get(procedure=dialog).version >= 1
        assert 3 <= open_dialog.categories.count() <= 4

        posts = Post.objects.filter(dialog=open_dialog)
        contributions = posts.filter(depth=0)
        comments = posts.filter(depth__gt=0)
        assert contributions.count() == 8
        assert 18 <= comments.count() <= 24
        assert comments.filter(depth=3).exists()
        assert posts.filter(is_official=True).count() == 1
        hidden = posts.get(visibility=Visibility.HIDDEN)
        assert hidden.hidden_reason and hidden.depth == 0
        assert posts.filter(author__isnull=False).values("author").distinct().count() >= 8
        assert pre.posts.get().visibility == Visibility.PENDING

        for post in Post.objects.filter(dialog__in=[open_dialog, pre]).annotate(
            support=Count("ratings", filter=Q(ratings__value=1), distinct=True),
            oppose=Count("ratings", filter=Q(ratings__value=-1), distinct=True),
            direct=Count("replies", distinct=True),
            thread_size=Count("thread", distinct=True),
        ):
            assert (post.support_count, post.oppose_count) == (post.support, post.oppose), post.pk
            if post.depth == 0:
                assert post.root_id is None and post.parent_id is None
                assert post.reply_count == post.thread_size, post.pk
            else:
                assert post.root.depth == 0 and post.parent.depth == post.depth - 1
                assert post.root_id == (post.parent.root_id or post.parent_id)
                assert post.reply_count == post.direct, post.pk
                assert post.created_at > post.parent.created_at
            assert post.author_id is None or not post.ratings.filter(user=post.author).exists()
        assert Post.objects.filter(dialog__in=[open_dialog, pre]).aggregate(
            n=Count("ratings"))["n"] > 20

        from allauth.account.models import EmailAddress

        for post in posts.filter(author__isnull=False).select_related("author"):
            assert not post.author.has_usable_password()
            assert EmailAddress.objects.get(user=post.author).verified


def test_listing_shows_both_dialogs(client_a, demo):
    spec, first, _ = demo
    content = client_a.get("/verfahren/?type=dialog").content.decode()
    from modules.dialog.demo import content as demo_content

    for item in demo_content()["dialogs"][spec["schema"]]:
        assert item["title"] in content
    response = client_a.get("/verfahren/")
    dialogs = [p for p in response.context["procedures"] if p.procedure_type == "dialog"]
    assert len(dialogs) == 2
    assert {str(p.procedure_type_display) for p in dialogs} == {"Dialog"}
    assert "Dialog" in response.content.decode()
