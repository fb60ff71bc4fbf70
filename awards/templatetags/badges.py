"""Template tags for printed badges: the QR code of a feedback link as inline SVG."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from config import qr

register = template.Library()


@register.simple_tag
def qr_svg(url: str, css_class: str = "badge-qr") -> SafeString:
    """The badge's QR code of `url`, sized by CSS."""
    return qr.qr_svg(url, css_class=css_class)
