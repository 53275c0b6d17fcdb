"""Public views of the dialog module: thin shells over services.py and reading.py.

Every form works without JavaScript: it posts, and on success redirects (PRG) with a
German message; on a refusal it is shown again with what was typed and the errors
(summary at the top, linked to the fields).
"""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from beteiligung.participation import identity, spam
from beteiligung.participation.moderation import Visibility
from beteiligung.participation.pages import ProcedureStatus

from . import fastpath, reading, services
from .forms import EditForm, PostForm, ReportForm
from .models import Post

V = Visibility


def _base(page, request):
    return page.get_url(request)


def _post_url(page, request, post):
    root_id = post.root_id or post.pk
    anchor = f"#beitrag-{post.pk}" if post.root_id else ""
    return f"{_base(page, request)}beitrag/{root_id}/{anchor}"


def _netiquette_url(page, request):
    if page.netiquette_page_id:
        target = page.netiquette_page
        if target is not None and target.live:
            return target.get_url(request)
    return reverse("dialog:netiquette")


def _common(page, request):
    # One moment for the status and whether it is open (they go into the cache keys).
    status = page.status_at()
    context = page.get_context(request)
    context.update({
        "dialog": page, "base_url": _base(page, request),
        "netiquette_url": _netiquette_url(page, request), "status": status,
        "is_open": status == ProcedureStatus.OPEN,
        "verified": services.is_verified(request.user),
        "login_url": reverse("account_login") + "?next=" + request.get_full_path(),
    })
    return context


def _fingerprint(page, request):
    """The version the caches are checked against; None for an editor's preview, whose
    draft must never enter a cache that the live page reads (same id, same revision)."""
    fp = reading.fingerprint(page)
    return None if getattr(request, "is_preview", False) else fp


def _cached_whole_page(request, key, fp, template, context):
    html = reading.whole_page(key, fp, lambda: render_to_string(
        template, {**context, "csrf_token": reading.CSRF_HOLE}, request))
    return fastpath.shared_response(request, html)


def _anonymous_form(page, user):
    return page.participation_mode == "email" and not services.is_verified(user)


def _may_post(page, user):
    return services.is_verified(user) or page.participation_mode == "email"


# --- The dialog page -------------------------------------------------------------------


def dialog_page(page, request):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    sort = request.GET.get("sortierung", "neu")
    if sort not in reading.SORTS:
        sort = "neu"
    fp = _fingerprint(page, request)
    page_extras = reading.extras(page, fp)
    categories = page_extras.categories
    category_id = None
    raw = request.GET.get("kategorie", "")
    if fastpath.is_number(raw) and any(c.pk == int(raw) for c in categories):
        category_id = int(raw)
    raw_page = request.GET.get("seite", "1")
    page_no = int(raw_page) if fastpath.is_number(raw_page) and len(raw_page) < 7 else 1
    base = _base(page, request)
    listing = reading.contribution_list(page, base, fp, sort, category_id, page_no)
    context = _common(page, request)
    context.update({
        "listing": listing, "list_html": mark_safe(listing.html),  # noqa: S308 - rendered by our template
        "sort": sort, "sorts": [("neu", _("newest")), ("unterstuetzt", _("most supported")),
                                ("diskutiert", _("most discussed"))],
        "categories": categories, "category_id": category_id,
        "attachments": page_extras.attachments,
        "may_post": _may_post(page, request.user),
    })
    # Shared only for page numbers that exist: the key holds the page shown.
    visitor = fastpath.variant(request) if fp is not None and page_no == listing.page else None
    if visitor:
        key = ("dialog", page.pk, base, sort, category_id, listing.page, visitor,
               context["status"])
        fastpath.remember(request, page, "dialog", key)
        return _cached_whole_page(request, key, fp, "dialog/dialog_page.html", context)
    return TemplateResponse(request, "dialog/dialog_page.html", context)


# --- Contribution page -----------------------------------------------------------------


def contribution(page, request, post_id):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    fp = _fingerprint(page, request)
    base = _base(page, request)
    found = reading.thread(page, base, fp, post_id)
    if found.redirect_to:
        return redirect(f"{base}beitrag/{found.redirect_to}/#beitrag-{post_id}")
    if found.root is None:
        raise Http404
    context = _common(page, request)
    may_post = _may_post(page, request.user)
    with_form = context["is_open"] and may_post
    context.update({
        "root": found.root, "comment_count": found.comment_count, "may_post": may_post,
        "form_action": f"{base}beitrag/{post_id}/antworten/",
    })
    visitor = fastpath.variant(request) if fp is not None else None
    key = ("thread", page.pk, base, post_id, visitor, context["is_open"])
    if visitor:
        # One page per kind of visitor, kept per version; what is theirs (ratings, edit
        # links, token, the comment form's challenge) is filled in per request.
        def render(thread_hole, challenge_hole):
            return render_to_string("dialog/contribution.html", {
                **context, "csrf_token": reading.CSRF_HOLE, "thread_html": mark_safe(thread_hole),  # noqa: S308 - a hole
                "form": _comment_form(page, request, challenge=challenge_hole) if with_form
                else None}, request)

        kept = reading.thread_page(key, fp, found, visitor, base, context["is_open"],
                                   with_form, render)
        fastpath.remember(request, page, "thread", key)
        return fastpath.thread_response(request, kept)
    form = _comment_form(page, request) if with_form else None
    places = reading.visitor_places(
        found, reading.own_ratings(request.user, post_id), request.user.pk,
        base if context["is_open"] and request.user.is_authenticated else None)
    context.update({"form": form, "thread_html": mark_safe(  # noqa: S308 - our template
        found.spliced.fill(places).decode().replace(reading.CSRF_HOLE, get_token(request)))})
    return TemplateResponse(request, "dialog/contribution.html", context)


def _comment_form(page, request, challenge=None):
    return PostForm(dialog=page, with_title=False, anonymous=_anonymous_form(page, request.user),
                    spam_limits=spam.limits_for_request(request), auto_id="id_comment_%s",
                    challenge=challenge)


def _public_post(page, post_id):
    post = Post.objects.filter(pk=post_id, dialog_id=page.pk).first()
    if post is None or post.visibility not in reading.PUBLIC:
        raise Http404
    root = post if post.depth == 0 else Post.objects.filter(pk=post.root_id).first()
    if root is None or root.visibility not in reading.PUBLIC:
        raise Http404
    post._dialog = page
    return post


def _spam_refused(form, verdict):
    form.add_error(None, verdict.message)
    return verdict.retry_after


def _form_error(form, error):
    form.show_errors(error.errors)
    if not error.errors or error.message not in error.errors.values():
        form.add_error(None, error.message)


def _status_for(error):
    if isinstance(error, services.DialogBusy):
        return 503
    if isinstance(error, (services.Closed, services.Blocked, services.LoginRequired,
                          services.NotAvailable)):
        return 403
    return 200


def _submitted_message(request, post):
    if post.visibility == V.UNCONFIRMED:
        messages.success(request, _("Almost done: we have sent you an e-mail. Please confirm "
                                    "your post with the link in it."))
    elif post.visibility == V.PENDING:
        messages.success(request, _("Thank you! Your post will be published after review by "
                                    "the moderation team."))
    else:
        messages.success(request, _("Thank you! Your post has been published."))


def _handle_post_form(page, request, form, scope, submit, render):
    """Spam check, service call, PRG; ``render(form, status)`` for the form again."""
    verdict = form.spam_check(scope=scope, user=request.user,
                              address=identity.client_address(request))
    if not verdict.allowed:
        form.add_error(None, verdict.message)
        response = render(form, 429 if verdict.retry_after else 200)
        if verdict.retry_after:
            response["Retry-After"] = str(verdict.retry_after)
        return response
    try:
        post = submit(form.post_data())
    except services.DialogError as error:
        _form_error(form, error)
        return render(form, _status_for(error))
    _submitted_message(request, post)
    if post.visibility == V.PUBLISHED:
        return redirect(_post_url(page, request, post))
    if post.root_id:
        return redirect(f"{_base(page, request)}beitrag/{post.root_id}/")
    return redirect(_base(page, request))


def contribute(page, request):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    anonymous = _anonymous_form(page, request.user)
    limits = spam.limits_for_request(request)

    def render(form, status=200):
        context = _common(page, request)
        context.update({"form": form, "may_post": _may_post(page, request.user)})
        return TemplateResponse(request, "dialog/contribute.html", context, status=status)

    if request.method != "POST":
        return render(PostForm(dialog=page, anonymous=anonymous, spam_limits=limits))
    form = PostForm(request.POST, request.FILES, dialog=page, anonymous=anonymous,
                    spam_limits=limits)
    return _handle_post_form(
        page, request, form, "dialog.contribution",
        lambda data: services.submit_contribution(
            page, data, user=request.user, address=identity.client_address(request)),
        render)


def reply(page, request, post_id):
    """GET: the reply form for one post on a page of its own; POST: the comment."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    parent = _public_post(page, post_id)
    anonymous = _anonymous_form(page, request.user)
    limits = spam.limits_for_request(request)

    def render(form, status=200):
        context = _common(page, request)
        context.update({"form": form, "parent": parent, "may_post": _may_post(page, request.user),
                        "root_url": _post_url(page, request, parent)})
        return TemplateResponse(request, "dialog/reply.html", context, status=status)

    if request.method != "POST":
        return render(PostForm(dialog=page, with_title=False, anonymous=anonymous,
                               spam_limits=limits))
    form = PostForm(request.POST, dialog=page, with_title=False, anonymous=anonymous,
                    spam_limits=limits)
    return _handle_post_form(
        page, request, form, "dialog.comment",
        lambda data: services.submit_comment(
            parent, data, user=request.user, address=identity.client_address(request)),
        render)


def _back(page, request, post):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  request.is_secure()):
        return redirect(target)
    return redirect(_post_url(page, request, post))


def rate(page, request, post_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    post = _public_post(page, post_id)
    if not request.user.is_authenticated:
        messages.info(request, _("Please log in to rate posts."))
        return redirect(reverse("account_login") + "?next=" + _post_url(page, request, post))
    verdict = spam.check(request.POST, scope="dialog.rating", user=request.user,
                         address=identity.client_address(request),
                         limits=spam.limits_for_request(request))
    if not verdict.allowed:
        messages.error(request, verdict.message)
        return _back(page, request, post)
    try:
        value = services.rate(post, request.user, request.POST.get("value", ""))
    except (services.DialogError, ValueError) as error:
        messages.error(request, getattr(error, "message", _("Invalid rating.")))
        return _back(page, request, post)
    messages.success(request, {1: _("You support this post."), -1: _("You oppose this post."),
                               0: _("Your rating has been withdrawn.")}[value])
    return _back(page, request, post)


def report(page, request, post_id):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    post = _public_post(page, post_id)
    limits = spam.limits_for_request(request)

    def render(form, status=200):
        context = _common(page, request)
        context.update({"form": form, "post": post,
                        "post_url": _post_url(page, request, post)})
        return TemplateResponse(request, "dialog/report.html", context, status=status)

    if request.method != "POST":
        return render(ReportForm(spam_limits=limits))
    form = ReportForm(request.POST, spam_limits=limits)
    verdict = form.spam_check(scope="dialog.report", user=request.user,
                              address=identity.client_address(request))
    if not verdict.allowed:
        form.add_error(None, verdict.message)
        response = render(form, 429 if verdict.retry_after else 200)
        if verdict.retry_after:
            response["Retry-After"] = str(verdict.retry_after)
        return response
    try:
        services.report(post, request.POST.get("reason", ""), user=request.user,
                        address=identity.client_address(request))
    except services.AlreadyReported as error:
        messages.info(request, error.message)
        return redirect(_post_url(page, request, post))
    except services.DialogError as error:
        _form_error(form, error)
        return render(form, _status_for(error))
    messages.success(request, _("Thank you. The moderation team will look at this post."))
    return redirect(_post_url(page, request, post))


def _own_post_or_404(page, request, post_id):
    post = _public_post(page, post_id)
    if not request.user.is_authenticated or post.author_id != request.user.pk:
        raise Http404
    return post


def edit(page, request, post_id):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    post = _own_post_or_404(page, request, post_id)
    post.dialog = page

    def render(form, status=200):
        context = _common(page, request)
        context.update({"form": form, "post": post, "post_url": _post_url(page, request, post)})
        return TemplateResponse(request, "dialog/edit.html", context, status=status)

    if request.method != "POST":
        return render(EditForm(post=post, initial={
            "title": post.title, "text": post.text,
            "category": str(post.category_id or "")}))
    form = EditForm(request.POST, post=post)
    try:
        services.edit_post(post, request.user, form.post_data())
    except services.DialogError as error:
        _form_error(form, error)
        return render(form, _status_for(error))
    messages.success(request, _("Your changes have been saved."))
    return redirect(_post_url(page, request, post))


def delete(page, request, post_id):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    post = _own_post_or_404(page, request, post_id)
    post.dialog = page
    if request.method != "POST":
        context = _common(page, request)
        context.update({"post": post, "post_url": _post_url(page, request, post)})
        return TemplateResponse(request, "dialog/delete.html", context)
    try:
        services.delete_post(post, request.user)
    except services.DialogError as error:
        messages.error(request, error.message)
        return redirect(_post_url(page, request, post))
    messages.success(request, _("Your post has been deleted."))
    return redirect(_post_url(page, request, post))


# --- Module URLs below /dialoge/ -------------------------------------------------------


def _private(response):
    """A page behind a personal link: kept by no cache, indexed by no search engine, and
    its address (the secret) passed on to no other site as the referrer. Not
    "no-referrer": with it browsers send ``Origin: null`` on the page's own forms, and
    Django's CSRF check over HTTPS would refuse every edit."""
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def confirm(request, signed):
    try:
        post = services.confirm_post(signed)
    except services.DialogError as error:
        return TemplateResponse(request, "dialog/link_problem.html", {"message": error.message},
                                status=404 if isinstance(error, services.LinkInvalid) else 403)
    dialog = post.dialog.specific
    manage_url = ""
    if post.author_id is None:
        manage_url = reverse("dialog:manage", args=[services.manage_link(post)])
    return _private(TemplateResponse(request, "dialog/confirmed.html", {
        "post": post, "dialog": dialog, "page": dialog,
        "published": post.visibility == V.PUBLISHED,
        "dialog_url": dialog.get_url(request), "manage_url": manage_url,
    }))


def _managed_post(request, signed):
    """-> (post, None) for a valid manage link, else (None, the German refusal page)."""
    try:
        return services.post_for_manage_link(signed), None
    except services.LinkInvalid as error:
        return None, _private(TemplateResponse(request, "dialog/link_problem.html",
                                               {"message": error.message}, status=404))


def _manage_context(request, post, signed):
    page = post.dialog
    context = _common(page, request)
    context.update({
        "post": post, "state": services.manage_state(post),
        "manage_url": reverse("dialog:manage", args=[signed]),
        "delete_url": reverse("dialog:manage_delete", args=[signed]),
        "post_url": _post_url(page, request, post) if post.visibility == V.PUBLISHED else "",
    })
    return context


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, signed):
    """The page behind the author's personal link (e-mail mode, no account): their post,
    and while the dialog is open the edit form. GET changes nothing (mail scanners
    follow links); POST saves through the same service as the logged-in edit."""
    post, refusal = _managed_post(request, signed)
    if refusal is not None:
        return refusal

    def render(form=None, status=200):
        if form is not None:
            post.refresh_from_db()  # refused: show the post as it is now
        context = _manage_context(request, post, signed)
        if form is None and context["state"].can_change:
            form = EditForm(post=post, initial={
                "title": post.title, "text": post.text,
                "category": str(post.category_id or "")})
        context["form"] = form
        return _private(TemplateResponse(request, "dialog/manage.html", context, status=status))

    if request.method != "POST":
        return render()
    form = EditForm(request.POST, post=post)
    try:
        edited = services.edit_post(post, None, form.post_data(), link=signed)
    except services.DialogError as error:
        _form_error(form, error)
        return render(form, _status_for(error))
    messages.success(request, _("Your changes have been saved."))
    if edited.visibility == V.PENDING:
        messages.info(request, _("Your post will be published after review by the moderation "
                                 "team."))
    return redirect(reverse("dialog:manage", args=[signed]))


@require_http_methods(["GET", "HEAD", "POST"])
def manage_delete(request, signed):
    """GET asks whether to delete the post; POST deletes it (personal link, as above)."""
    post, refusal = _managed_post(request, signed)
    if refusal is not None:
        return refusal

    def render(error=None, status=200):
        if error is not None:
            post.refresh_from_db()  # refused: show the post as it is now
        context = _manage_context(request, post, signed)
        context["error"] = error.message if error is not None else ""
        return _private(TemplateResponse(request, "dialog/manage_delete.html", context,
                                         status=status))

    if request.method != "POST":
        return render()
    try:
        services.delete_post(post, None, link=signed)
    except services.DialogError as error:
        return render(error, _status_for(error))
    messages.success(request, _("Your post has been deleted."))
    return redirect(reverse("dialog:manage", args=[signed]))


@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, signed):
    """GET shows a button (mail scanners follow links) for a valid link only, so a
    forged link or another portal's is refused before anybody presses it; POST
    unsubscribes."""
    try:
        if request.method == "POST":
            services.unsubscribe(signed)
        else:
            services.unsubscribe_post(signed)
    except services.DialogError as error:
        return TemplateResponse(request, "dialog/link_problem.html",
                                {"message": error.message}, status=404)
    return TemplateResponse(request, "dialog/unsubscribe.html",
                            {"done": request.method == "POST"})


@require_GET
def netiquette(request):
    return TemplateResponse(request, "dialog/netiquette.html", {})
