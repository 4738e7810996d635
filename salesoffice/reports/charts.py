"""Charts drawn on the server as SVG text (RPT-09), so the page and the PDF show the same picture and no
script runs in the browser. Pure functions: labels and numbers in, an ``<svg>`` string out."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

PALETTE = ("#b4232a", "#1d6fb8", "#1e8e3e", "#c77700", "#6b4fbb", "#6b7785")
FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
Number = int | float | Decimal


def _nice_max(value: float) -> float:
    """A round upper bound for the axis (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _label(value: float) -> str:
    if value >= 10000:
        return f"{value / 10000:g}万"
    return f"{value:g}"


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" '
        f'font-family="{FONT}" font-size="11">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _axes(left: int, top: int, plot_width: int, plot_height: int, maximum: float, body: list[str]) -> None:
    for index in range(5):
        value = maximum * index / 4
        y = top + plot_height - plot_height * index / 4
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="#dfe3e8"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#6b7785">{_label(value)}</text>'
        )


def _legend(series_names: Sequence[str], left: int, y: int, body: list[str]) -> None:
    x = left
    for index, name in enumerate(series_names):
        colour = PALETTE[index % len(PALETTE)]
        body.append(
            f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y}" fill="#1f2933">{escape(name)}</text>'
        )
        x += 24 + 12 * len(name) + 6


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    width: int = 640,
    height: int = 240,
) -> str:
    """Grouped bars: one group per category, one bar per series, with a value axis and a legend."""
    left, top, bottom = 48, 28, 40
    plot_width, plot_height = width - left - 28, height - top - bottom
    maximum = _nice_max(max((float(v) for _name, values in series for v in values), default=0.0))
    body: list[str] = [f'<text x="{left}" y="16" font-size="13" fill="#1f2933">{escape(title)}</text>']
    _axes(left, top, plot_width, plot_height, maximum, body)
    groups = max(len(categories), 1)
    group_width = plot_width / groups
    bar_width = max(min(group_width * 0.8 / max(len(series), 1), 36), 2)
    for group, category in enumerate(categories):
        start = left + group * group_width + (group_width - bar_width * len(series)) / 2
        for index, (_name, values) in enumerate(series):
            value = float(values[group]) if group < len(values) else 0.0
            bar_height = plot_height * value / maximum
            x = start + index * bar_width
            y = top + plot_height - bar_height
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width - 1:.1f}" height="{bar_height:.1f}" '
                f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(category)}: {value:g}</title></rect>'
            )
        body.append(
            f'<text x="{left + group * group_width + group_width / 2:.1f}" y="{top + plot_height + 14}" '
            f'text-anchor="middle" fill="#6b7785">{escape(category)}</text>'
        )
    if len(series) > 1:
        _legend([name for name, _values in series], left, height - 6, body)
    return _frame(width, height, title, body)


def line_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    width: int = 640,
    height: int = 240,
) -> str:
    """One line per series over the categories (days, weeks or months), with dots at the values."""
    left, top, bottom = 48, 28, 40
    plot_width, plot_height = width - left - 28, height - top - bottom
    maximum = _nice_max(max((float(v) for _name, values in series for v in values), default=0.0))
    body: list[str] = [f'<text x="{left}" y="16" font-size="13" fill="#1f2933">{escape(title)}</text>']
    _axes(left, top, plot_width, plot_height, maximum, body)
    steps = max(len(categories) - 1, 1)
    label_every = max(len(categories) // 12, 1)
    for position, category in enumerate(categories):
        if position % label_every == 0:
            x = left + plot_width * position / steps
            body.append(
                f'<text x="{x:.1f}" y="{top + plot_height + 14}" text-anchor="middle" fill="#6b7785">'
                f"{escape(category)}</text>"
            )
    for index, (_name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [
            (left + plot_width * position / steps, top + plot_height - plot_height * float(value) / maximum)
            for position, value in enumerate(values)
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points)
    _legend([name for name, _values in series], left, height - 6, body)
    return _frame(width, height, title, body)
