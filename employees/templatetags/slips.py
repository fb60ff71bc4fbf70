"""Template tags for activation slips: the site address as a QR code (inline SVG)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from config.qr import qr_svg

register = template.Library()


@register.simple_tag
def slip_qr_svg(url: str) -> SafeString:
    """The slip's QR code of `url`, sized by CSS (`.slip-qr`)."""
    return qr_svg(url, css_class="slip-qr")
