"""Moderation back office in the Wagtail admin: queue, actions, blocks, log, exports and
statistics of one dialog. Only for its moderators (``rules.is_moderator``); views are
thin shells over moderation.py, exports.py (through the registry) and stats.py.

The queue renders in a fixed number of queries whatever the number of posts: the page
of posts (one query), their open reports (one prefetch), the tab counts (one aggregate),
the blocks and the log (one query each, with their people joined)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beteiligung.participation import registry
from beteiligung.participation.exports import FORMATS, export_response
from beteiligung.participation.locking import ProcedureBusy
from beteiligung.participation.moderation import Visibility
from beteiligung.participation.rules import is_moderator
from beteiligung.participation.text import render_plain_text

from . import moderation, stats
from .models import Block, DialogPage, ModerationLog, Post, Report

V = Visibility
PER_PAGE = 50
TABS = {
    "pending": (gettext_lazy("Waiting for approval"), Q(visibility=V.PENDING), ("created_at", "id")),
    "reported": (gettext_lazy("Reported"), Q(report_count__gt=0), ("-report_count", "created_at", "id")),
    "recent": (gettext_lazy("Recent"), Q(visibility__in=[V.PUBLISHED, V.PENDING, V.HIDDEN]),
               ("-created_at", "-id")),
    "hidden": (gettext_lazy("Hidden"), Q(visibility=V.HIDDEN), ("-hidden_at", "-id")),
}


def dialog_for(request, page_id):
    """The dialog, if the user moderates it; 404 for another tenant's (not in this schema)."""
    dialog = get_object_or_404(DialogPage.objects.select_related("state"), pk=page_id)
    if not is_moderator(request.user, dialog):
        raise PermissionDenied
    return dialog


def queue(request, page_id):
    dialog = dialog_for(request, page_id)
    default_tab = "pending" if dialog.moderation_mode == "pre" else "reported"
    tab = request.GET.get("tab", default_tab)
    if tab not in TABS:
        tab = default_tab
    _label, condition, ordering = TABS[tab]
    posts = (Post.objects.filter(condition, dialog=dialog).select_related("category")
             .prefetch_related(Prefetch(
                 "reports", queryset=Report.objects.filter(resolved_at__isnull=True)
                 .order_by("created_at", "id"), to_attr="open_reports"))
             .order_by(*ordering))
    page = Paginator(posts, PER_PAGE).get_page(request.GET.get("p"))
    for post in page:
        post.html = render_plain_text(post.text)  # escaped; links made clickable
    counts = Post.objects.filter(dialog=dialog).aggregate(
        **{name: Count("id", filter=spec[1]) for name, spec in TABS.items()})
    tabs = [{"key": key, "label": spec[0], "count": counts[key]} for key, spec in TABS.items()]
    return TemplateResponse(request, "dialog/admin/moderation.html", {
        "dialog": dialog, "tab": tab, "tabs": tabs, "posts": page,
        "blocks": Block.objects.filter(dialog=dialog).select_related("user", "blocked_by")
        .order_by("-created_at"),
        "log": ModerationLog.objects.filter(dialog=dialog).select_related("actor")[:50],
        "exports": registry.exports_for(dialog),
    })


ACTIONS = ("approve", "hide", "restore", "dismiss", "block", "reply")


@require_POST
def post_action(request, page_id, post_id, action):
    dialog = dialog_for(request, page_id)
    if action not in ACTIONS:
        raise Http404
    post = get_object_or_404(Post, pk=post_id, dialog=dialog)
    post.dialog = dialog
    user = request.user
    try:
        if action == "approve":
            moderation.approve(post, user)
            messages.success(request, _("The post is published."))
        elif action == "hide":
            moderation.hide(post, user, request.POST.get("reason", ""))
            messages.success(request, _("The post is hidden; its author is told why."))
        elif action == "restore":
            moderation.restore(post, user)
            messages.success(request, _("The post is shown again."))
        elif action == "dismiss":
            moderation.dismiss_reports(post, user)
            messages.success(request, _("The reports are dismissed."))
        elif action == "block":
            moderation.block(dialog, user, post=post, reason=request.POST.get("reason", ""))
            messages.success(request, _("The author is blocked from this dialog."))
        elif action == "reply":
            moderation.official_reply(post, user, request.POST.get("text", ""))
            messages.success(request, _("The official reply is published."))
    except (moderation.ModerationError, ProcedureBusy) as error:
        messages.error(request, error.message)
    return _back(request, dialog)


@require_POST
def unblock(request, page_id, block_id):
    dialog = dialog_for(request, page_id)
    block = get_object_or_404(Block, pk=block_id, dialog=dialog)
    try:
        moderation.unblock(block, request.user)
        messages.success(request, _("The block is lifted."))
    except (moderation.ModerationError, ProcedureBusy) as error:
        messages.error(request, error.message)
    return _back(request, dialog)


def _back(request, dialog):
    tab = request.POST.get("tab", "")
    response = redirect("dialog_admin:moderation", page_id=dialog.pk)
    if tab in TABS:
        response["Location"] += f"?tab={tab}"
    return response


def export(request, page_id, kind, fmt):
    """A table the dialog registered (exports.TABLES), through the portal's registry."""
    dialog = dialog_for(request, page_id)
    table = registry.export_for(dialog, kind)
    if table is None or fmt not in FORMATS:
        raise Http404
    return export_response(table, dialog, fmt)


def statistics(request, page_id):
    dialog = dialog_for(request, page_id)
    days = stats.per_day(dialog)
    categories = stats.per_category(dialog)
    return TemplateResponse(request, "dialog/admin/statistics.html", {
        "dialog": dialog, "days": days, "categories": categories,
        "exports": registry.exports_for(dialog),
        "totals": stats.totals(dialog),
        "posts_chart": stats.bar_chart((d["day"], d["posts"]) for d in days),
        "participants_chart": stats.bar_chart((d["day"], d["participants"]) for d in days),
        "category_chart": stats.bar_chart(
            (c["category"] or _("No category"), c["contributions"] + c["comments"])
            for c in categories),
    })
