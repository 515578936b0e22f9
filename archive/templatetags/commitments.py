"""The commitments for a block of any page (the home page includes archive/_commitments.html)."""

from django import template

from ..models import Commitment

register = template.Library()


@register.simple_tag
def commitment_list():
    return Commitment.objects.only("name", "slug")
