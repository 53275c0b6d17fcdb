"""Invariants of the events models that editors meet in the page editor."""

import pytest
from django.core.exceptions import ValidationError

from modules.events.models import RegistrationQuestion


@pytest.mark.parametrize("kind", ["single_choice", "multiple_choice"])
@pytest.mark.parametrize("choices, message", [
    ("", "Auswahlmöglichkeiten ein"),
    ("\n  \n", "Auswahlmöglichkeiten ein"),
    ("ja\nnein\nja", "nur einmal vorkommen: ja"),
])
def test_choice_question_needs_its_choices(event, kind, choices, message):
    question = RegistrationQuestion(event=event, label="Verpflegung", kind=kind,
                                    required=True, choices=choices)
    with pytest.raises(ValidationError) as refused:
        question.full_clean()
    assert message in " ".join(refused.value.message_dict["choices"])


def test_valid_questions_pass(event):
    for kind, choices in (("single_choice", "vegan\nvegetarisch"), ("multiple_choice", "A"),
                          ("short_text", ""), ("checkbox", "")):
        RegistrationQuestion(event=event, label="Frage", kind=kind, choices=choices).full_clean()
