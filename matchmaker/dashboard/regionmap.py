"""A tile-grid map of the French regions as inline SVG: one square per region, coloured by a count.

No map tiles and no network: the 13 metropolitan regions sit on a 4 × 5 grid that keeps their
relative positions (Brittany west, Grand Est east, Corsica south-east), the overseas regions and
collectivities on a row of their own. Colours follow a logarithmic scale in six classes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from markupsafe import Markup, escape

from matchmaker.dashboard.charts import MUTED, svg

METROPOLE: dict[str, tuple[int, int, str, str]] = {
    # region: (column, row, abbreviation, short name)
    "Hauts-de-France": (2, 0, "HDF", "Hauts-de-France"),
    "Bretagne": (0, 1, "BRE", "Bretagne"),
    "Normandie": (1, 1, "NOR", "Normandie"),
    "Île-de-France": (2, 1, "IDF", "Île-de-France"),
    "Grand Est": (3, 1, "GES", "Grand Est"),
    "Pays de la Loire": (1, 2, "PDL", "Pays de la Loire"),
    "Centre-Val de Loire": (2, 2, "CVL", "Centre-Val de Loire"),
    "Bourgogne-Franche-Comté": (3, 2, "BFC", "Bourgogne-Fr.-Comté"),
    "Nouvelle-Aquitaine": (1, 3, "NAQ", "Nouvelle-Aquitaine"),
    "Auvergne-Rhône-Alpes": (2, 3, "ARA", "Auvergne-Rh.-Alpes"),
    "Occitanie": (1, 4, "OCC", "Occitanie"),
    "Provence-Alpes-Côte d'Azur": (2, 4, "PAC", "Provence-A.-C. d'Azur"),
    "Corse": (3, 4, "COR", "Corse"),
}
OVERSEAS: dict[str, str] = {
    "Guadeloupe": "GUA",
    "Martinique": "MTQ",
    "Guyane": "GUY",
    "La Réunion": "REU",
    "Mayotte": "MAY",
    "Saint-Pierre-et-Miquelon": "SPM",
    "Polynésie française": "PYF",
    "Nouvelle-Calédonie": "NCL",
}
SCALE = ("#e3e3fd", "#cacafb", "#a1a1f8", "#6a6af4", "#3b3bd0", "#000091")
EMPTY = "#f0f0f0"
TILE_W, TILE_H, GAP, MARGIN = 132, 84, 6, 8


def colour_class(count: int, top: int) -> int:
    """Return the colour class of a count: -1 for zero, else 0..5 on a log scale up to ``top``."""
    if count <= 0:
        return -1
    if top <= 1:
        return len(SCALE) - 1
    return min(len(SCALE) - 1, int(math.log(count) / math.log(top) * len(SCALE)))


def class_bounds(top: int) -> list[tuple[int, int, int]]:
    """Return (class, lowest count, highest count) of each non-empty colour class up to ``top``, for the legend."""
    if top <= 0:
        return []

    def first_at_least(target: int) -> int:  # smallest count in 1..top+1 whose class is >= target
        low, high = 1, top + 1
        while low < high:
            middle = (low + high) // 2
            if colour_class(middle, top) >= target:
                high = middle
            else:
                low = middle + 1
        return low

    bounds = []
    for shade in range(len(SCALE)):
        low, high = first_at_least(shade), first_at_least(shade + 1) - 1
        if low <= min(high, top):
            bounds.append((shade, low, min(high, top)))
    return bounds


def _tile(x: float, y: float, w: float, h: float, region: str, lines: tuple[str, str], count: int, top: int,
          fmt: Callable[[float], str], link: str | None, selected: bool = False) -> str:
    shade = colour_class(count, top)
    fill = SCALE[shade] if shade >= 0 else EMPTY
    ink = "#ffffff" if shade >= 3 else "#161616"
    big, small = lines
    stroke = 'stroke="#e1000f" stroke-width="4"' if selected else 'stroke="#ffffff" stroke-width="1"'
    body = (
        f'<rect class="map-tile{" is-selected" if selected else ""}" x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" '
        f'height="{h:.0f}" rx="4" fill="{fill}" {stroke}><title>{escape(region)} : {escape(fmt(count))}</title></rect>'
        f'<text x="{x + w / 2:.0f}" y="{y + h / 2 - (8 if small else 2):.0f}" text-anchor="middle" fill="{ink}" '
        f'font-size="{11 if small else 10}">{escape(small or big)}</text>'
        f'<text x="{x + w / 2:.0f}" y="{y + h / 2 + (14 if small else 12):.0f}" text-anchor="middle" fill="{ink}" '
        f'font-size="{17 if small else 13}" font-weight="bold">{escape(fmt(count))}</text>'
    )
    if link:
        label = f"{escape(region)} : {escape(fmt(count))}"
        return f'<a href="{escape(link)}" class="map-link" aria-label="{label}">{body}</a>'
    return f"<g>{body}</g>"


def region_map(
    chart_id: str,
    title: str,
    counts: Mapping[str, int],
    *,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    link: Callable[[str], str] | None = None,
    legend_title: str = "",
    overseas_label: str = "Outre-mer",
    unknown_label: str = "",
    unknown: int = 0,
    selected: str | None = None,
) -> Markup:
    """Draw the regions as tiles coloured by their counts; each tile links to ``link(region)`` when given."""
    top = max([counts.get(r, 0) for r in (*METROPOLE, *OVERSEAS)] + [0])
    grid_w = 4 * (TILE_W + GAP)
    body = []
    for region, (column, row, abbreviation, short) in METROPOLE.items():
        x, y = MARGIN + column * (TILE_W + GAP), MARGIN + row * (TILE_H + GAP)
        body.append(_tile(x, y, TILE_W, TILE_H, region, (abbreviation, short), counts.get(region, 0), top, fmt,
                          link(region) if link else None, region == selected))
    overseas_y = MARGIN + 5 * (TILE_H + GAP) + 22
    body.append(f'<text x="{MARGIN}" y="{overseas_y - 8}" font-weight="bold">{escape(overseas_label)}</text>')
    small_w = (grid_w - GAP * 0) / len(OVERSEAS) - GAP
    for index, (region, abbreviation) in enumerate(OVERSEAS.items()):
        x = MARGIN + index * (small_w + GAP)
        body.append(_tile(x, overseas_y, small_w, 56, region, (abbreviation, ""), counts.get(region, 0), top, fmt,
                          link(region) if link else None, region == selected))
    legend_x = MARGIN + grid_w + 18
    body.append(f'<text x="{legend_x}" y="{MARGIN + 14}" font-weight="bold">{escape(legend_title)}</text>')
    legend = [(EMPTY, fmt(0))] + [(SCALE[shade], f"{fmt(lo)} – {fmt(hi)}" if lo != hi else fmt(lo))
                                  for shade, lo, hi in class_bounds(top)]
    for index, (colour, text) in enumerate(legend):
        y = MARGIN + 28 + index * 24
        body.append(f'<rect x="{legend_x}" y="{y}" width="18" height="18" rx="3" fill="{colour}" stroke="#929292" '
                    f'stroke-width="0.5"/><text x="{legend_x + 26}" y="{y + 13}">{escape(text)}</text>')
    y = MARGIN + 28 + len(legend) * 24 + 18
    if unknown_label:
        body.append(f'<text x="{legend_x}" y="{y}" fill="{MUTED}">{escape(unknown_label)} : '
                    f"{escape(fmt(unknown))}</text>")
        y += 34
    body.append(f'<text x="{legend_x}" y="{y}" font-weight="bold">{escape(overseas_label)}</text>')
    for index, (region, abbreviation) in enumerate(OVERSEAS.items()):
        body.append(f'<text x="{legend_x}" y="{y + 20 + index * 18}" font-size="12"><tspan font-weight="bold">'
                    f"{abbreviation}</tspan> {escape(region)}</text>")
    width = legend_x + 200
    height = overseas_y + 56 + MARGIN
    description = "; ".join(f"{r} : {fmt(counts.get(r, 0))}" for r in (*METROPOLE, *OVERSEAS))
    return svg(chart_id, title, description, int(width), int(height), body)
