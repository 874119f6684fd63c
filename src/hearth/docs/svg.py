"""The page's pictures as inline SVG, drawn here from measured data: bars, heat maps, a layered graph.

No library and no script: each function returns one ``<svg>`` element as text, sized from its data, with a
``<title>`` on every mark so a reader hovering a bar or a cell sees the exact figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

__all__ = ["Bar", "bars", "heat_map", "layered_graph"]

FONT = 'font-family="system-ui, sans-serif" font-size="12"'
OK, OVER, EMPTY = "#3b82c4", "#d9534f", "#e8ecf1"


@dataclass(frozen=True)
class Bar:
    """One bar: a label, the part used and the whole (the bar is red where ``used`` exceeds ``whole``)."""

    label: str
    used: float
    whole: float
    text: str


def _svg(width: float, height: float, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}" {FONT}>'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def bars(groups: Mapping[str, Sequence[Bar]], title: str, scale_max: float = 2.0) -> str:
    """Horizontal bars per group (a node): the full width is ``scale_max`` times the whole, a tick marks 100%."""
    label_w, bar_w, row_h, gap = 170, 420, 20, 14
    body: list[str] = []
    y = 10.0
    for group, items in groups.items():
        body.append(f'<text x="4" y="{y + 12:.0f}" font-weight="bold">{escape(group)}</text>')
        y += 20
        for bar in items:
            share = bar.used / bar.whole if bar.whole else 0.0
            fill = min(share, scale_max) / scale_max * bar_w
            colour = OVER if share > 1 else OK
            tip = escape(f"{group} {bar.label}: {bar.text}")
            body.append(f'<text x="14" y="{y + 14:.0f}">{escape(bar.label)}</text>')
            body.append(f'<rect x="{label_w}" y="{y:.0f}" width="{bar_w}" height="{row_h}" fill="{EMPTY}"/>')
            body.append(
                f'<rect x="{label_w}" y="{y:.0f}" width="{fill:.1f}" height="{row_h}" fill="{colour}">'
                f"<title>{tip}</title></rect>"
            )
            tick = label_w + bar_w / scale_max
            body.append(
                f'<line x1="{tick:.1f}" x2="{tick:.1f}" y1="{y - 2:.0f}" y2="{y + row_h + 2:.0f}" stroke="#333"/>'
            )
            body.append(f'<text x="{label_w + bar_w + 8}" y="{y + 14:.0f}">{escape(bar.text)}</text>')
            y += row_h + 4
        y += gap
    return _svg(label_w + bar_w + 260, y, body, title)


def _colour(value: int, top: int) -> str:
    if value <= 0:
        return "#f4f6f8"
    share = value / top if top else 0.0
    light = 92 - 62 * share  # from a pale to a deep blue
    return f"hsl(210, 70%, {light:.0f}%)"


def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Mapping[tuple[str, str], int],
    title: str,
    flagged: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """A matrix of counts, rows against columns, shaded by count; a flagged cell gets a red border and its note."""
    flagged = flagged or {}
    cell, label_w = 26, max([len(r) for r in rows] + [4]) * 7 + 12
    head_h = max([len(c) for c in columns] + [4]) * 7 + 12
    top = max(values.values(), default=0)
    body: list[str] = []
    for j, column in enumerate(columns):
        x = label_w + j * cell + cell / 2 + 4
        body.append(f'<text transform="translate({x:.0f},{head_h - 6}) rotate(-60)">{escape(column)}</text>')
    for i, row in enumerate(rows):
        y = head_h + i * cell
        body.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end">{escape(row)}</text>')
        for j, column in enumerate(columns):
            value = values.get((row, column), 0)
            note = flagged.get((row, column), "")
            stroke = ' stroke="#d9534f" stroke-width="2"' if note else ' stroke="#fff"'
            tip = escape(f"{row} → {column}: {value} allowed" + (f"; {note}" if note else ""))
            x = label_w + j * cell
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{_colour(value, top)}"{stroke}>'
                f"<title>{tip}</title></rect>"
            )
            if value:
                shade = "#fff" if top and value / top > 0.5 else "#222"
                body.append(
                    f'<text x="{x + cell / 2}" y="{y + 17}" text-anchor="middle" font-size="10" fill="{shade}">'
                    f"{value}</text>"
                )
    width = label_w + len(columns) * cell + 10
    return _svg(width, head_h + len(rows) * cell + 10, body, title)


def layered_graph(
    layers: Sequence[Sequence[str]],
    edges: Sequence[tuple[str, str]],
    labels: Mapping[str, str],
    title: str,
    highlight: Sequence[str] = (),
) -> str:
    """Nodes in columns (one per layer, left to right), an edge as a curve from its source to its target; the
    nodes of ``highlight`` (a path) and the edges between consecutive ones are drawn in red."""
    box_w, box_h, col_gap, row_gap = 150, 22, 70, 8
    position: dict[str, tuple[float, float]] = {}
    for i, layer in enumerate(layers):
        for k, name in enumerate(layer):
            position[name] = (10.0 + i * (box_w + col_gap), 40.0 + k * (box_h + row_gap))
    path_edges = set(pairwise(highlight))
    body: list[str] = []
    for i in range(len(layers)):
        body.append(f'<text x="{10 + i * (box_w + col_gap)}" y="24" font-weight="bold">wave {i}</text>')
    for src, dst in edges:
        if src not in position or dst not in position:
            continue
        (x1, y1), (x2, y2) = position[src], position[dst]
        x1, y1, y2 = x1 + box_w, y1 + box_h / 2, y2 + box_h / 2
        hot = (dst, src) in path_edges or (src, dst) in path_edges
        colour, width = ("#d9534f", 2) if hot else ("#9aa7b4", 0.8)
        mid = (x1 + x2) / 2
        body.append(
            f'<path d="M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}" fill="none" '
            f'stroke="{colour}" stroke-width="{width}"><title>{escape(labels.get(dst, dst))} needs '
            f"{escape(labels.get(src, src))}</title></path>"
        )
    hot_nodes = set(highlight)
    for name, (x, y) in position.items():
        stroke = "#d9534f" if name in hot_nodes else "#5b6b7b"
        body.append(
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="4" fill="#fff" stroke="{stroke}"/>'
            f'<text x="{x + 6}" y="{y + 15}">{escape(labels.get(name, name)[:22])}<title>{escape(name)}</title></text>'
        )
    width = 20 + len(layers) * (box_w + col_gap)
    height = 50 + max((len(layer) for layer in layers), default=0) * (box_h + row_gap)
    return _svg(width, height, body, title)
