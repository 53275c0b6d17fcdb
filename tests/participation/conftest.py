from ..events.conftest import event  # noqa: F401 - fixture shared with events
