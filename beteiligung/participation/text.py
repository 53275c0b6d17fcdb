"""Cleaning and length limits of what people type.

Stored as typed (minus control characters), escaped on output by the templates; plain
text with line breaks becomes HTML only through ``render_plain_text`` (links made
clickable, then sanitised by nh3 with an allow-list of exactly what it produced).
"""

import re

from django.utils.translation import gettext as _

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
# Line breaks of every kind (str.splitlines() splits on all of them), tabs and the
# control characters above: none belongs in a name, a short answer or a subject line.
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_text(value, max_length):
    value = CONTROL_CHARS.sub("", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()[:max_length] if max_length else value.strip()


def has_line_break_or_control(value):
    """True if ``value`` (once trimmed) would not stay on one line, or hides control
    characters: single-line fields refuse such input instead of mailing it verbatim."""
    return bool(NOT_ONE_LINE.search(str(value or "").strip()))


def one_line(value):
    """A single-line value as it may be output (mails, exports): every run of whitespace,
    line breaks included, becomes one space; control characters go."""
    return " ".join(CONTROL_CHARS.sub("", str(value or "")).split())


def single_line_error(value):
    if has_line_break_or_control(value):
        return _("Please enter this on one line, without line breaks or control characters.")
    return None


URL = re.compile(r"\b(https?://[^\s<>\"']+|www\.[^\s<>\"']+)", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}»“\"'"


def _link(match):
    from django.utils.html import escape

    url = match.group(0)
    trailing = ""
    while url and url[-1] in TRAILING_PUNCTUATION:
        trailing = url[-1] + trailing
        url = url[:-1]
    href = url if url.lower().startswith("http") else "https://" + url
    return f'<a href="{escape(href)}">{escape(url)}</a>{escape(trailing)}'


def render_plain_text(value):
    """Plain text as safe HTML: escaped, paragraphs and line breaks kept, web addresses
    made clickable (rel="nofollow ugc noopener"). The result is sanitised by nh3 with an
    allow-list of exactly the tags produced here, so even a bug above cannot let markup
    of the author's through."""
    import nh3
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    text = clean_text(value, 0)
    paragraphs = []
    for block in re.split(r"\n{2,}", text):
        if not block.strip():
            continue
        parts = []
        last = 0
        for match in URL.finditer(block):
            parts.append(escape(block[last:match.start()]))
            parts.append(_link(match))
            last = match.end()
        parts.append(escape(block[last:]))
        paragraphs.append("<p>" + "".join(parts).replace("\n", "<br>") + "</p>")
    html = nh3.clean(
        "".join(paragraphs), tags={"p", "br", "a"}, attributes={"a": {"href"}},
        url_schemes={"http", "https"}, link_rel="nofollow ugc noopener",
    )
    return mark_safe(html)  # noqa: S308 - sanitised by nh3 just above


def length_error(value, max_length):
    if len(value) > max_length:
        return _("Please use at most %(n)s characters.") % {"n": max_length}
    return None
