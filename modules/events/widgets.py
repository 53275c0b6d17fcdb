"""Admin widgets of the events module."""

from datetime import datetime

from wagtail.admin.widgets import AdminDateTimeInput

GERMAN_DATETIME_FORMATS = (
    "%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y, %H:%M:%S",
    "%d.%m.%y %H:%M", "%d.%m.%y, %H:%M",
)


class GermanDateTimeInput(AdminDateTimeInput):
    """Wagtail's date picker, showing and accepting "10.12.2026 16:00" (also with a comma
    or "Uhr"; ISO as before), and never overwriting what was typed.

    The picker's default "validate on blur" replaced anything it could not read in its
    own format with the current time, silently. Now text stays as typed: the server
    reads it, or the form says that the date is invalid.
    """

    def __init__(self, attrs=None, **kwargs):
        kwargs.setdefault("format", "%d.%m.%Y %H:%M")
        super().__init__(attrs=attrs, **kwargs)

    def get_config(self):
        return {**super().get_config(), "validateOnBlur": False}

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if isinstance(value, str):
            text = " ".join(value.replace("Uhr", " ").split())
            for fmt in GERMAN_DATETIME_FORMATS:
                try:
                    return datetime.strptime(text, fmt)  # naive: read in Europe/Berlin
                except ValueError:
                    continue
        return value  # ISO or garbled: the form field decides, the text stays on screen
