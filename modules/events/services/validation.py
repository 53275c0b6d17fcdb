"""What a registration form brings in, checked before any lock is taken: name, address,
consent, the answers to the event's own questions and the chosen programme items."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from beteiligung.participation.identity import MAX_EMAIL, normalize_email
from beteiligung.participation.text import clean_text, single_line_error

from ..models import QuestionKind
from .errors import InvalidRegistration

MAX_ANSWER = 5000


def validate_answers(event, raw_answers):
    """Check the answers against the event's questions; return (answers, errors)."""
    answers, errors = {}, {}
    for question in event.question_list:
        value = raw_answers.get(question.key)
        if question.kind == QuestionKind.CHECKBOX:
            value = bool(value) and value not in ("0", "false", "off")
            if question.required and not value:
                errors[question.key] = _("Please confirm this.")
        elif question.kind == QuestionKind.MULTIPLE_CHOICE:
            values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
            values = [v for v in values if v]
            if any(v not in question.choice_list for v in values):
                errors[question.key] = _("Please choose from the given options.")
            elif question.required and not values:
                errors[question.key] = _("Please choose at least one option.")
            value = values
        elif question.kind == QuestionKind.SINGLE_CHOICE:
            value = value or ""
            if value and value not in question.choice_list:
                errors[question.key] = _("Please choose from the given options.")
            elif question.required and not value:
                errors[question.key] = _("Please choose an option.")
        else:
            limit = 300 if question.kind == QuestionKind.SHORT_TEXT else MAX_ANSWER
            text = str(value or "")
            if len(text) > limit:
                errors[question.key] = _("Please use at most %(n)s characters.") % {"n": limit}
            elif question.kind == QuestionKind.SHORT_TEXT and single_line_error(text):
                errors[question.key] = single_line_error(text)
            value = clean_text(text, limit)
            if question.required and not value:
                errors[question.key] = _("Please answer this question.")
        answers[question.key] = {"question": question.label, "value": value}
    return answers, errors


@dataclass
class RegistrationData:
    name: str
    email: str
    privacy_consent: bool
    photo_consent: bool = False
    answers: dict = field(default_factory=dict)
    item_ids: list = field(default_factory=list)


def _validate(event, data, user):
    errors = {}
    name = clean_text(data.name, 0)
    if not name:
        errors["name"] = _("Please enter your name.")
    elif len(name) > 200:
        errors["name"] = _("Please use at most %(n)s characters.") % {"n": 200}
    elif single_line_error(data.name):
        errors["name"] = single_line_error(data.name)
    email = email_key = None
    try:
        email, email_key = normalize_email(data.email)
    except ValidationError as error:
        errors["email"] = (
            _("This e-mail address is too long (at most %(n)s characters).") % {"n": MAX_EMAIL}
            if error.code == "too_long" else _("Please enter a valid e-mail address.")
        )
    if not data.privacy_consent:
        errors["privacy_consent"] = _("Please agree to the privacy notice.")
    answers, answer_errors = validate_answers(event, data.answers or {})
    errors.update(answer_errors)
    item_ids = []
    for raw in data.item_ids or []:
        if not str(raw).isdigit():
            errors["items"] = _("Please choose from the given programme items.")
            break
        item_ids.append(int(raw))
    if errors:
        raise InvalidRegistration(_("Please correct the marked fields."), errors)
    return name, email, email_key, answers, sorted(set(item_ids))

