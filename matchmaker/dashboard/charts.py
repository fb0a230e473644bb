"""Server-side SVG charts: horizontal bars, lines, a funnel. Labels in, escaped inline SVG markup out.

The page's Content-Security-Policy forbids inline scripts and ``style`` attributes, so charts use SVG
presentation attributes (``fill``, ``font-size``...) and CSS classes only. Every chart carries a
``<title>`` and ``<desc>`` for assistive technologies, and ``<title>`` tooltips on its marks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#000091", "#e4794a", "#009081", "#a558a0", "#c8aa39", "#417dc4", "#68a532", "#c08c65", "#666666")
TEXT, MUTED, GRID = "#161616", "#666666", "#dddddd"
CHAR_WIDTH = 7.2  # mean advance of a 13 px sans-serif character, to size label columns
LEGEND_LINE = 20
Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One named row of values, drawn in one colour."""

    name: str
    values: Sequence[float]
    color: str = PALETTE[0]


def _plain(value: float) -> str:
    return f"{value:g}"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def nice_max(value: float, ticks: int = 4) -> tuple[float, float]:
    """Return a round upper bound >= value and the tick step dividing it into at most ``ticks`` steps."""
    if value <= 0:
        return 1.0, 1.0 / ticks if ticks else 1.0
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step), step


def svg(chart_id: str, title: str, description: str, width: int, height: int, body: Sequence[str]) -> Markup:
    """Wrap chart marks in an accessible, responsive <svg> element."""
    safe_id = escape(chart_id)
    return Markup(
        f'<svg class="chart" id="{safe_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{safe_id}-title {safe_id}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="Marianne, Arial, sans-serif" font-size="13" fill="{TEXT}">'
        f'<title id="{safe_id}-title">{escape(title)}</title><desc id="{safe_id}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _legend(series: Sequence[Series], x: float, y: float, right: float) -> tuple[list[str], float]:
    """Return the legend marks, wrapped onto new lines before ``right``, and the height they take."""
    marks, cursor, line = [], x, 0
    for item in series:
        span = 30 + CHAR_WIDTH * len(item.name)
        if cursor + span > right and cursor > x:
            cursor, line = x, line + 1
        top = y + line * LEGEND_LINE
        marks.append(f'<rect x="{cursor:.1f}" y="{top - 10:.1f}" width="12" height="12" rx="2" fill="{item.color}"/>')
        marks.append(f'<text x="{cursor + 17:.1f}" y="{top:.1f}">{escape(item.name)}</text>')
        cursor += span
    return marks, (line + 1) * LEGEND_LINE


def label_width_for(labels: Sequence[str], width: int, share: float = 0.5) -> int:
    """Return room for the longest label (estimated), at most ``share`` of the chart's width."""
    longest = max((len(label) for label in labels), default=0)
    return int(min(width * share, 12 + CHAR_WIDTH * longest))


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Formatter = _plain,
    links: Sequence[str | None] | None = None,
    width: int = 560,
    label_width: int | None = None,
    empty: str = "—",
) -> Markup:
    """Draw horizontal bars, one group per category (several series are drawn side by side)."""
    bar, gap = 18, 10
    group = bar * len(series) + gap
    labels_w = label_width or label_width_for(categories, width)
    legend, legend_h = _legend(series, labels_w, 16, width - 10) if len(series) > 1 else ([], 0)
    top_y = legend_h + (6 if legend_h else 0)
    height = int(top_y + max(1, len(categories)) * group + 8)
    top = max((v for s in series for v in s.values), default=0) or 1
    value_room = 12 + CHAR_WIDTH * max((len(fmt(float(v))) for s in series for v in s.values), default=1)
    plot = width - labels_w - value_room
    body = list(legend)
    if not categories:
        body.append(f'<text x="{width / 2:.0f}" y="{height / 2 + 4:.0f}" text-anchor="middle" fill="{MUTED}">'
                    f"{escape(empty)}</text>")
    body.append(f'<line x1="{labels_w}" y1="{top_y}" x2="{labels_w}" y2="{height - 4}" stroke="{GRID}"/>')
    limit = int((labels_w - 8) / CHAR_WIDTH)
    for row, category in enumerate(categories):
        y0 = top_y + row * group + gap / 2
        label = f'<text x="{labels_w - 8}" y="{y0 + (group - gap) / 2 + 4.5:.1f}" text-anchor="end">' \
                f"<title>{escape(category)}</title>{escape(_truncate(category, limit))}</text>"
        link = links[row] if links else None
        body.append(f'<a href="{escape(link)}" class="chart-link">{label}</a>' if link else label)
        for index, item in enumerate(series):
            value = float(item.values[row])
            length = max(0.0, plot * value / top)
            y = y0 + index * bar
            body.append(
                f'<rect class="chart-bar" x="{labels_w}" y="{y:.1f}" width="{length:.1f}" height="{bar - 4}" '
                f'rx="2" fill="{item.color}"><title>{escape(category)} · {escape(item.name)} : '
                f"{escape(fmt(value))}</title></rect>"
            )
            body.append(f'<text x="{labels_w + length + 5:.1f}" y="{y + bar - 7:.1f}" fill="{MUTED}" '
                        f'font-size="12">{escape(fmt(value))}</text>')
    description = "; ".join(
        f"{c} : " + ", ".join(f"{s.name} {fmt(float(s.values[i]))}" for s in series) for i, c in enumerate(categories)
    )
    return svg(chart_id, title, description, width, height, body)


def line_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Formatter = _plain,
    width: int = 560,
    height: int = 260,
) -> Markup:
    """Draw one line per series over shared x labels (months), with a value axis starting at zero."""
    peak = max((float(v) for s in series for v in s.values), default=0.0)
    left = int(16 + CHAR_WIDTH * len(fmt(peak * 1.25 or 1)))
    right, bottom = 18, 30
    legend, legend_h = _legend(series, left, 16, width - right)
    top = legend_h + 14
    height += legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling, step = nice_max(peak)
    if all(float(v).is_integer() for s in series for v in s.values) and step < 1:  # counts: whole ticks
        ceiling, step = max(1.0, math.ceil(ceiling)), 1.0
    body = list(legend)
    ticks = int(round(ceiling / step))
    for i in range(ticks + 1):
        value = step * i
        y = top + plot_h - plot_h * value / ceiling
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}" font-size="12">'
                    f"{escape(fmt(value))}</text>")
    count = len(x_labels)
    dx = plot_w / max(1, count - 1)
    every = max(1, math.ceil(count * (CHAR_WIDTH * 7) / plot_w))  # skip labels rather than overlap them
    for i, label in enumerate(x_labels):
        if i % every == 0:
            anchor = "start" if i == 0 else "end" if i == count - 1 else "middle"
            body.append(f'<text x="{left + i * dx:.1f}" y="{height - 10}" text-anchor="{anchor}" fill="{MUTED}" '
                        f'font-size="12">{escape(label)}</text>')
    for item in series:
        points = [(left + i * dx, top + plot_h - plot_h * float(v) / ceiling) for i, v in enumerate(item.values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline class="chart-line" points="{path}" fill="none" stroke="{item.color}" '
                    f'stroke-width="2.5" stroke-linejoin="round"/>')
        for (x, y), label, value in zip(points, x_labels, item.values, strict=False):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{item.color}"><title>{escape(item.name)}'
                        f" · {escape(label)} : {escape(fmt(float(value)))}</title></circle>")
    description = "; ".join(
        f"{s.name} : " + ", ".join(f"{x} {fmt(float(v))}" for x, v in zip(x_labels, s.values, strict=False))
        for s in series
    )
    return svg(chart_id, title, description, width, height, body)


def funnel_chart(
    chart_id: str,
    title: str,
    stages: Sequence[tuple[str, float]],
    *,
    fmt: Formatter = _plain,
    pct: Formatter = lambda r: f"{r:.0%}",
    of_previous: str = "of the previous stage",
    width: int = 560,
) -> Markup:
    """Draw a funnel: one centred bar per stage, its width relative to the first stage, with conversions."""
    row = 50
    label_width = label_width_for([label for label, _ in stages], width, 0.35) + 4
    height = max(1, len(stages)) * row + 6
    first = max((v for _, v in stages), default=0) or 1
    plot = width - label_width - 10
    body = []
    previous: float | None = None
    for index, (label, value) in enumerate(stages):
        y = 4 + index * row
        bar_w = max(2.0, plot * float(value) / first)
        x = label_width + (plot - bar_w) / 2
        shade = PALETTE[0] if index == 0 else "#3b3bd0" if index < 3 else "#6a6af4"
        conversion = f" · {pct(float(value) / previous)} {of_previous}" if previous else ""
        body.append(f'<text x="{label_width - 10}" y="{y + 18.5:.1f}" text-anchor="end" font-weight="bold">'
                    f"{escape(label)}</text>")
        body.append(f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="28" rx="3" '
                    f'fill="{shade}"><title>{escape(label)} : {escape(fmt(float(value)))}{escape(conversion)}</title>'
                    "</rect>")
        body.append(f'<text x="{label_width + plot / 2:.1f}" y="{y + 18.5:.1f}" text-anchor="middle" '
                    f'fill="#ffffff" stroke="{shade}" stroke-width="3" paint-order="stroke" font-weight="bold">'
                    f"{escape(fmt(float(value)))}</text>")
        if conversion:
            body.append(f'<text x="{label_width + plot / 2:.1f}" y="{y + 43:.1f}" text-anchor="middle" '
                        f'fill="{MUTED}" font-size="12">{escape(conversion.removeprefix(" · "))}</text>')
        previous = float(value) or None
    description = "; ".join(f"{label} : {fmt(float(value))}" for label, value in stages)
    return svg(chart_id, title, description, width, height, body)
