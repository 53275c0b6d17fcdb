"""Template filters of the events module."""

from django import template

from beteiligung.participation.text import one_line

register = template.Library()


@register.filter
def oneline(value):
    """A single-line field as one line, whatever was stored (names, titles, short answers):
    a line break in a name must not start a paragraph of its own in an official e-mail."""
    return one_line(value)
