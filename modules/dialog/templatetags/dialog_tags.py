"""Template filters of the dialog module."""

from django import template

from beteiligung.participation.text import render_plain_text

register = template.Library()


@register.filter
def plain_text(value):
    """A post's plain text as safe HTML: paragraphs, line breaks, clickable links (nh3)."""
    return render_plain_text(value)
