"""Refusals of the events' operations: each carries a German message for the person in
front of the screen and a ``code`` that views and tests can tell apart."""


from beteiligung.participation.errors import ParticipationError


class EventError(ParticipationError):
    """A refusal with a message for the person in front of the screen (German UI)."""


class RegistrationClosed(EventError):
    code = "closed"


class FullyBooked(EventError):
    code = "full"


class DuplicateRegistration(EventError):
    """The address is registered for the event already.

    Unless ``own_address`` (a logged-in user's own confirmed address), the public answer
    must be the one a new registration gets (``waitlisted`` says which), so that nobody
    can find out whether an address is registered; its owner is told by e-mail instead.
    """

    code = "duplicate"

    def __init__(self, message, errors=None, waitlisted=False):
        super().__init__(message, errors)
        self.waitlisted = waitlisted
        self.own_address = False


class InvalidRegistration(EventError):
    code = "invalid"


class LinkInvalid(EventError):
    code = "link"


class HoldExpired(EventError):
    code = "expired"


class TooManyOpenHolds(EventError):
    code = "holds"


class EventBusy(EventError):
    """The event's lock was not free within PROCEDURE_LOCK_TIMEOUT_MS; nothing was saved."""

    code = "busy"
