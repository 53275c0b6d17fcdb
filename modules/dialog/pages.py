"""The dialog as editors publish it: question, introduction, period, modes, categories,
results. Everything participants and moderators do lives in models.py (rows of their
own), never on the page: publishing a revision cannot undo a post or a moderation."""

from django.contrib.auth.models import Group
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from beteiligung.models import ProcedurePage


class ParticipationMode(models.TextChoices):
    ACCOUNT = "account", _("account required")
    EMAIL = "email", _("confirmation by e-mail suffices")


class ModerationMode(models.TextChoices):
    PRE = "pre", _("pre-moderation: nothing is public until approved")
    POST = "post", _("post-moderation: public at once, can be hidden")


class DialogPage(RoutablePageMixin, ProcedurePage):
    procedure_type_key = "dialog"
    procedure_type_label = _("Dialog")
    is_creatable = True
    parent_page_types = ["beteiligung.AuthorityPage"]
    subpage_types = []
    template = "dialog/dialog_page.html"

    question = models.CharField(_("question"), max_length=300)
    introduction = RichTextField(_("introduction"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("image"),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=60, blank=True)
    participation_mode = models.CharField(
        _("participation"), max_length=10, choices=ParticipationMode.choices,
        default=ParticipationMode.ACCOUNT,
    )
    moderation_mode = models.CharField(
        _("moderation"), max_length=10, choices=ModerationMode.choices, default=ModerationMode.POST,
    )
    report_threshold = models.PositiveIntegerField(
        _("reports until a post is hidden for review"), default=3, validators=[MinValueValidator(1)],
    )
    moderator_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("moderators"),
        help_text=_("Besides the editors of this page, members of this group moderate it."),
    )
    netiquette_page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("netiquette page"),
        help_text=_("Linked from every form. Empty: the portal's netiquette page."),
    )
    retention_days = models.PositiveIntegerField(
        _("delete e-mail addresses ... days after the end"), default=180,
        help_text=_("E-mail addresses of participants without an account, and what identifies "
                    "anonymous reports, are deleted then. Posts and names stay public."),
    )
    results = RichTextField(
        _("results"), blank=True,
        help_text=_("Filled in after the end. Participants who asked for it are told by e-mail "
                    "when the results are first published."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("question"),
        FieldPanel("teaser"),
        FieldPanel("introduction"),
        FieldPanel("image"),
        InlinePanel("attachments", label=_("Documents")),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldRowPanel([FieldPanel("contact_email"),
                                                        FieldPanel("contact_phone")])],
            heading=_("contact"),
        ),
    ]
    participation_panels = [
        ProcedurePage.period_panel,
        MultiFieldPanel(
            [FieldPanel("participation_mode"), FieldPanel("moderation_mode"),
             FieldPanel("report_threshold"), FieldPanel("moderator_group"),
             FieldPanel("netiquette_page"), FieldPanel("retention_days")],
            heading=_("Participation and moderation"),
        ),
        InlinePanel("categories", label=_("Categories")),
    ]
    results_panels = [FieldPanel("results")]
    edit_handler = TabbedInterface([
        ObjectList(content_panels, heading=_("Content")),
        ObjectList(participation_panels, heading=_("Participation")),
        ObjectList(results_panels, heading=_("Results")),
        ObjectList(Page.promote_panels, heading=_("Promote")),
        ObjectList(Page.settings_panels, heading=_("Settings")),
    ])
    search_fields = ProcedurePage.search_fields + [
        index.SearchField("question"), index.SearchField("introduction"),
    ]

    class Meta:
        verbose_name = _("dialog")
        verbose_name_plural = _("dialogues")

    @path("")
    def detail(self, request):
        from . import views

        return views.dialog_page(self, request)

    @path("beitragen/")
    def contribute_route(self, request):
        from . import views

        return views.contribute(self, request)

    @path("beitrag/<int:post_id>/")
    def contribution_route(self, request, post_id):
        from . import views

        return views.contribution(self, request, post_id)

    @path("beitrag/<int:post_id>/antworten/")
    def reply_route(self, request, post_id):
        from . import views

        return views.reply(self, request, post_id)

    @path("beitrag/<int:post_id>/bewerten/")
    def rate_route(self, request, post_id):
        from . import views

        return views.rate(self, request, post_id)

    @path("beitrag/<int:post_id>/melden/")
    def report_route(self, request, post_id):
        from . import views

        return views.report(self, request, post_id)

    @path("beitrag/<int:post_id>/bearbeiten/")
    def edit_route(self, request, post_id):
        from . import views

        return views.edit(self, request, post_id)

    @path("beitrag/<int:post_id>/loeschen/")
    def delete_route(self, request, post_id):
        from . import views

        return views.delete(self, request, post_id)


class DialogCategory(Orderable):
    page = ParentalKey(DialogPage, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=100)

    class Meta(Orderable.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class DialogAttachment(Orderable):
    page = ParentalKey(DialogPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey("wagtaildocs.Document", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("document"))
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta(Orderable.Meta):
        verbose_name = _("document")

    def __str__(self):
        return self.title or self.document.title
