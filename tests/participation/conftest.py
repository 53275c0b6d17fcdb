from ..events.conftest import authority_a, event  # noqa: F401 - fixtures shared with events
