"""What a search matched, shown in <mark>: the spans the search service gives, rendered by sanitize.marked_html."""

from django import template
from django.utils.safestring import mark_safe

from ..sanitize import marked_html

register = template.Library()


@register.filter
def snippet(hit):
    """A hit's excerpt with its matches marked."""
    return mark_safe(marked_html(hit.text, hit.spans, *hit.excerpt))  # every character escaped: only our <mark> is markup


@register.filter
def marked(text, spans):
    """The whole text with the spans marked."""
    return mark_safe(marked_html(text, spans or []))  # every character escaped: only our <mark> is markup
