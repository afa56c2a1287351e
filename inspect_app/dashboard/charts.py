"""Small charts as server-rendered SVG: no script, no inline style (the CSP allows neither), colours from
app.css classes, every segment a link to the list behind it.
"""

from __future__ import annotations

import typing as t

from markupsafe import Markup
from markupsafe import escape

from ..rectification.models import RectificationStatus as S

# The states in the order work flows towards closing, as the status bar shows them.
STATUS_ORDER = (S.CLOSED, S.SUBMITTED, S.IN_PROGRESS, S.PARTIAL, S.RETURNED, S.NOT_STARTED)


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _segment(x: float, width: float, height: float, css: str, url: str, title: str) -> str:
    return (f'<a href="{escape(url)}"><rect class="seg {css}" x="{_fmt(x)}" y="0" width="{_fmt(width)}" '
            f'height="{_fmt(height)}"><title>{escape(title)}</title></rect></a>')


def stacked_bar(parts: t.Sequence[tuple[int, str, str, str]], *, scale: int, label: str,
                width: int = 240, height: int = 20) -> Markup:
    """One horizontal bar, its length the sum of ``parts`` against ``scale``.

    :param parts: (count, css class, link, title) for each segment, left to right; empty ones are skipped.
    """
    total = sum(n for n, *_ in parts)
    length = width * total / scale if scale else 0
    out = [f'<svg class="bar-svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'preserveAspectRatio="none" role="img" aria-label="{escape(label)}">',
           f'<rect class="track" x="0" y="0" width="{width}" height="{height}" rx="3"></rect>']
    x = 0.0
    for n, css, url, title in parts:
        if not n:
            continue
        w = length * n / total
        out.append(_segment(x, w, height, css, url, title))
        x += w
    out.append("</svg>")
    return Markup("".join(out))


def status_strip(counts: dict[S, int], urls: dict[S, str], titles: dict[S, str], *, label: str,
                 width: int = 960, height: int = 28) -> Markup:
    """The share of each rectification state as one full-width bar, in the order of work."""
    total = sum(counts.values())
    out = [f'<svg class="strip-svg" viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" '
           f'aria-label="{escape(label)}">',
           f'<rect class="track" x="0" y="0" width="{width}" height="{height}" rx="4"></rect>']
    x = 0.0
    for status in STATUS_ORDER:
        n = counts.get(status, 0)
        if not n or not total:
            continue
        w = width * n / total
        out.append(_segment(x, w, height, f"seg-{status.value}", urls[status], f"{titles[status]} {n}"))
        x += w
    out.append("</svg>")
    return Markup("".join(out))
