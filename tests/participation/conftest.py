from ..events.conftest import committed_event, event  # noqa: F401 - fixtures shared with events
