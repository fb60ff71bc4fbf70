"""QR codes as inline SVG, for the printed pages of every app (badges, activation slips)."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, css_class: str) -> SafeString:
    """An inline SVG QR code (error correction M) encoding `url`, sized by CSS.

    segno draws the SVG from the QR matrix, so nothing of `url` is copied into
    the markup as text: safe to insert as is.
    """
    import segno  # only the printed pages need it; not every template engine start

    code = segno.make(url, error="m", micro=False)
    return mark_safe(
        code.svg_inline(scale=1, border=2, omitsize=True, svgclass=css_class, lineclass=None)
    )
