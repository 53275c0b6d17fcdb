"""The refusal every module's services raise: a German message for the person in front
of the screen, and field errors for the form that is shown again with their input."""


class ParticipationError(Exception):
    code = "error"

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
