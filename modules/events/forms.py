"""The public registration form. It only collects and re-displays input;
services.register() validates, so the same rules hold for every caller."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import QuestionKind
from .services import RegistrationData


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("First and last name"), required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name", "required": True}))
    email = forms.CharField(label=_("E-mail address"), required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email", "required": True}))

    def __init__(self, event, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        if user is not None and user.is_authenticated and not self.is_bound:
            self.initial.setdefault("email", user.email)
            self.initial.setdefault("name", user.get_full_name())
        items = event.item_list
        if items:
            self.fields["items"] = forms.MultipleChoiceField(
                label=_("Programme items"), required=False,
                choices=[(str(i.pk), i.title) for i in items],
                widget=forms.CheckboxSelectMultiple,
            )
        for question in event.question_list:
            self.fields[question.key] = self._question_field(question)
        self.fields["privacy_consent"] = forms.BooleanField(
            label=event.privacy_consent_text, required=False,
            widget=forms.CheckboxInput(attrs={"required": True}),
        )
        if event.photo_consent_text:
            self.fields["photo_consent"] = forms.BooleanField(
                label=event.photo_consent_text, required=False
            )

    @staticmethod
    def _question_field(question):
        single = question.kind != QuestionKind.MULTIPLE_CHOICE
        attrs = {"required": True} if question.required and single else {}
        common = {"label": question.label, "help_text": question.help_text, "required": False}
        choices = [(c, c) for c in question.choice_list]
        if question.kind == QuestionKind.LONG_TEXT:
            return forms.CharField(widget=forms.Textarea(attrs={**attrs, "rows": 4}), **common)
        if question.kind == QuestionKind.SINGLE_CHOICE:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect(attrs=attrs), **common)
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple,
                                             **common)
        if question.kind == QuestionKind.CHECKBOX:
            return forms.BooleanField(widget=forms.CheckboxInput(attrs=attrs), **common)
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)

    def registration_data(self):
        """The raw input, as the service expects it (validation happens there)."""
        data = self.data
        answers = {}
        for question in self.event.question_list:
            if question.kind == QuestionKind.MULTIPLE_CHOICE:
                answers[question.key] = data.getlist(question.key)
            else:
                answers[question.key] = data.get(question.key, "")
        return RegistrationData(
            name=data.get("name", ""), email=data.get("email", ""),
            privacy_consent=bool(data.get("privacy_consent")),
            photo_consent=bool(data.get("photo_consent")),
            answers=answers, item_ids=data.getlist("items"),
        )

    def show_errors(self, errors):
        for field_name, message in errors.items():
            self.add_error(field_name if field_name in self.fields else None, message)
