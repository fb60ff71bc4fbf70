"""Template tags for activation slips: the site address as a QR code (inline SVG)."""

from __future__ import annotations

import segno
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def slip_qr_svg(url: str) -> SafeString:
    """An inline SVG QR code of `url`, sized by CSS.

    segno draws the SVG from the QR matrix, so nothing of `url` is copied into
    the markup as text: safe to insert as is. (The badges' tag lives in awards,
    which this app may not import.)
    """
    code = segno.make(url, error="m", micro=False)
    return mark_safe(
        code.svg_inline(scale=1, border=2, omitsize=True, svgclass="slip-qr", lineclass=None)
    )
