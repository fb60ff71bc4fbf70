"""Template tags for printed badges: the QR code of a feedback link as inline SVG."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def qr_svg(url: str, css_class: str = "badge-qr") -> SafeString:
    """An inline SVG QR code (error correction M) encoding `url`, sized by CSS.

    segno writes the SVG itself from the QR matrix, so nothing of `url` ends up
    in the markup as text; the result is safe to insert as is.
    """
    import segno  # only the badge pages need it; not every template engine start

    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=2, omitsize=True, svgclass=css_class, lineclass=None)
    return mark_safe(svg)
