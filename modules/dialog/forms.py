"""The public forms of the dialog. They only collect and re-display input;
services.py validates, so the same rules hold for every caller."""

from django import forms
from django.utils.translation import gettext_lazy as _

from beteiligung.participation.spam import SpamProtectedForm

from .models import TEXT_MAX, TITLE_MAX
from .services import PostData, consent_text


class _ShowErrors:
    def show_errors(self, errors):
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


class PostForm(_ShowErrors, SpamProtectedForm, forms.Form):
    """A contribution (``with_title``) or a comment; ``anonymous`` adds name, e-mail and
    consent (e-mail mode without an account)."""

    title = forms.CharField(label=_("Title"), required=False,
                            widget=forms.TextInput(attrs={"required": True,
                                                          "maxlength": TITLE_MAX}))
    text = forms.CharField(label=_("Your text"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"required": True, "rows": 8,
                                                        "maxlength": TEXT_MAX}))

    def __init__(self, *args, dialog, with_title=True, anonymous=False, with_image=True,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.dialog = dialog
        if not with_title:
            del self.fields["title"]
            self.fields["text"].label = _("Your comment")
            self.fields["text"].widget.attrs["rows"] = 5
        else:
            categories = list(dialog.categories.all())
            if categories:
                self.fields["category"] = forms.ChoiceField(
                    label=_("Category"), required=False,
                    choices=[("", _("– no category –"))] + [(str(c.pk), c.name) for c in categories])
            if with_image:
                self.fields["image"] = forms.FileField(
                    label=_("Image (optional)"), required=False,
                    help_text=_("JPEG, PNG, GIF or WebP, at most 5 MB."),
                    widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
                self.fields["image_alt"] = forms.CharField(
                    label=_("Description of the image"), required=False,
                    help_text=_("Required with an image: what does it show?"),
                    widget=forms.TextInput(attrs={"maxlength": 300}))
        if anonymous:
            self.fields["name"] = forms.CharField(
                label=_("Your name (published)"), required=False,
                widget=forms.TextInput(attrs={"autocomplete": "name", "required": True}))
            self.fields["email"] = forms.CharField(
                label=_("E-mail address (not published)"), required=False,
                widget=forms.EmailInput(attrs={"autocomplete": "email", "required": True}))
            self.fields["privacy_consent"] = forms.BooleanField(
                label=consent_text(), required=False,
                widget=forms.CheckboxInput(attrs={"required": True}))
        self.fields["notify_replies"] = forms.BooleanField(
            label=_("E-mail me when someone replies"), required=False)
        if with_title:
            self.fields["notify_results"] = forms.BooleanField(
                label=_("E-mail me when the results are published"), required=False)
        # The spam fields last: they are hidden and belong at the end of the form.
        for name in list(self.fields):
            if name in self._spam_names():
                self.fields[name] = self.fields.pop(name)

    @staticmethod
    def _spam_names():
        from beteiligung.participation import spam

        return (spam.HONEYPOT_FIELD, spam.CHALLENGE_FIELD, spam.PAYLOAD_FIELD)

    def post_data(self):
        data = self.data
        files = self.files or {}
        return PostData(
            title=data.get("title", ""), text=data.get("text", ""),
            category_id=data.get("category") or None, name=data.get("name", ""),
            email=data.get("email", ""), privacy_consent=bool(data.get("privacy_consent")),
            notify_replies=bool(data.get("notify_replies")),
            notify_results=bool(data.get("notify_results")), image=files.get("image"),
            image_alt=data.get("image_alt", ""),
        )


class EditForm(_ShowErrors, forms.Form):
    title = forms.CharField(label=_("Title"), required=False,
                            widget=forms.TextInput(attrs={"required": True,
                                                          "maxlength": TITLE_MAX}))
    text = forms.CharField(label=_("Your text"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"required": True, "rows": 8,
                                                        "maxlength": TEXT_MAX}))

    def __init__(self, *args, post, **kwargs):
        super().__init__(*args, **kwargs)
        self.post = post
        if post.depth:
            del self.fields["title"]
        else:
            categories = list(post.dialog.categories.all())
            if categories:
                self.fields["category"] = forms.ChoiceField(
                    label=_("Category"), required=False,
                    choices=[("", _("– no category –"))] + [(str(c.pk), c.name) for c in categories])

    def post_data(self):
        data = self.data
        return PostData(title=data.get("title", ""), text=data.get("text", ""),
                        category_id=data.get("category") or None)


class ReportForm(_ShowErrors, SpamProtectedForm, forms.Form):
    reason = forms.CharField(
        label=_("Why are you reporting this post?"), required=False,
        help_text=_("For example: insult, advertising, personal data of others."),
        widget=forms.Textarea(attrs={"required": True, "rows": 4, "maxlength": 500}))
