"""Dashboard charts as inline SVG, drawn on the server.

The dashboard is printed for 主任会议 and must work under a CSP that forbids
inline script and inline style, so charts are plain SVG with presentation
attributes (fill=, stroke=, font-size=) and class names the page CSS may
restyle.  Colours differ in lightness and lines also differ in dash pattern
and marker shape, so a grayscale printout stays readable.  Every label comes
from user data and is escaped; every bar can link to the items behind it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["bar_chart", "funnel_chart", "line_chart", "nice_ticks"]

WIDTH = 640
FONT = "'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif"
INK = "#222222"
GRID = "#cccccc"
# Dark blue, orange, dark gray, light teal: lightness ~25/65/40/80 %, so the
# four stay apart in grayscale; the line chart adds dashes and markers too.
PALETTE = ("#1f4e79", "#e69138", "#595959", "#76c7c0")
DASHES = (None, "6 3", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")
FUNNEL_SHADES = ("#1f4e79", "#2e6da4", "#4a8cc7", "#7eafd9", "#b3d0ea")
# The traffic lights in their own colours (dark red, amber, dark green: lightness
# ~35/70/30 %, and each bar is labelled 红灯/黄灯/绿灯, so grayscale still reads).
LIGHT_FILLS = {"red": "#c62828", "yellow": "#f9a825", "green": "#2e7d32"}
NARROW_WIDTH = 360  # a phone shows it at about its own size: 13 px text stays 13 px

_ROW = 30
_BAR = 18
_TITLE_H = 34
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def bar_chart(
    items: Sequence[tuple[str, float, str | None]],
    *,
    title: str,
    unit: str = "",
    max_value: float | None = None,
    percent: bool = False,
    colours: Sequence[str] | None = None,
    width: int = WIDTH,
) -> Markup:
    """Horizontal bars, one per (label, value, link).

    With ``percent`` the values are fractions (0.857 reads "85.7%") and the
    scale defaults to 1 so that a full bar means 100 %, not "the best unit".
    ``colours`` gives each bar its own fill (the light chart); ``width`` a narrower
    drawing for short labels, so a phone does not shrink its text.
    """
    if not items:
        return _empty(title)
    label_w, value_w = (170, 80) if width >= WIDTH else (110, 60)
    bar_w = width - label_w - value_w - 20
    values = [_finite(value) for _, value, _ in items]
    scale = max_value if max_value is not None else (1.0 if percent else max(values))
    height = _TITLE_H + len(items) * _ROW + 10
    parts = []
    for index, ((label, _, href), value) in enumerate(zip(items, values, strict=True)):
        y = _TITLE_H + index * _ROW
        length = _ratio(value, scale) * bar_w
        shown = _format_value(value, unit, percent)
        row = [
            f"<title>{escape(label)}：{escape(shown)}</title>",
            _text(label_w - 8, y + _BAR - 4, _truncate(label, 24), anchor="end", cls="label"),
            _rect(label_w, y, length, _BAR, colours[index] if colours else PALETTE[0], cls="bar", data_value=value),
            _text(label_w + length + 6, y + _BAR - 4, shown, cls="value"),
        ]
        parts.append(_linked(f"{label}：{shown}", href, "".join(row)))
    return _svg(title, height, "bar", parts, _summary(items, values, unit, percent), links=_any_link(items),
                width=width)


def funnel_chart(stages: Sequence[tuple[str, int, str | None]], *, title: str) -> Markup:
    """Centred bars narrowing stage by stage, e.g. 交办 → 签收 → 整改 → 办结 → 满意.

    Each stage also states its share of the first stage, because the drop
    between stages is what the council asks about.
    """
    if not stages:
        return _empty(title)
    label_w, info_w = 110, 130
    area = WIDTH - label_w - info_w
    values = [max(0, int(_finite(count))) for _, count, _ in stages]
    first, top = values[0], max(values)
    height = _TITLE_H + len(stages) * (_ROW + 4) + 10
    parts = []
    for index, ((label, _, href), value) in enumerate(zip(stages, values, strict=True)):
        y = _TITLE_H + index * (_ROW + 4)
        width = max(_ratio(value, top) * area, 2 if value else 0)
        share = f"{value / first * 100:.1f}%" if first and index else ""
        info = f"{value} 件" + (f"（{share}）" if share else "")
        shade = FUNNEL_SHADES[min(index, len(FUNNEL_SHADES) - 1)]
        row = [
            f"<title>{escape(label)}：{escape(info)}</title>",
            _text(label_w - 8, y + _BAR, _truncate(label, 14), anchor="end", cls="label"),
            _rect(label_w + (area - width) / 2, y + 2, width, _BAR + 4, shade, cls="stage", data_value=value),
            _text(label_w + area + 8, y + _BAR, info, cls="value"),
        ]
        parts.append(_linked(f"{label}：{info}", href, "".join(row)))
    summary = "；".join(f"{label} {v} 件" for (label, _, _), v in zip(stages, values, strict=True))
    return _svg(title, height, "funnel", parts, summary, links=_any_link(stages))


def line_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, title: str) -> Markup:
    """Counts over time, e.g. months × (新增, 办结); a series shorter than the
    categories simply stops early."""
    if not categories or not series:
        return _empty(title)
    left, right, top, bottom = 50, 30, _TITLE_H + 26, 40
    height = 300
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    series = [(name, [max(0.0, _finite(v)) for v in values][: len(categories)]) for name, values in series]
    ticks = nice_ticks(max((max(v, default=0) for _, v in series), default=0))
    y_max = ticks[-1]
    step_x = plot_w / max(len(categories) - 1, 1)

    def at(i: int, v: float) -> tuple[float, float]:
        x = left + (i * step_x if len(categories) > 1 else plot_w / 2)
        return x, top + plot_h - v / y_max * plot_h

    parts = [_legend(series, left, _TITLE_H)]
    for tick in ticks:
        _, y = at(0, tick)
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" '
            f'y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, _format_number(tick), anchor="end", cls="tick"))
    max_chars = max(4, int(step_x / 7))
    for i, category in enumerate(categories):
        x, _ = at(i, 0)
        parts.append(
            _text(x, top + plot_h + 18, _truncate(category, max_chars), anchor="middle", cls="category", full=category)
        )
    for index, (name, values) in enumerate(series):
        color, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        points = [at(i, v) for i, v in enumerate(values)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        group = [f'<polyline class="line" points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash_attr}/>']
        for (x, y), category, value in zip(points, categories, values, strict=False):
            label = f"{category} {name}：{_format_number(value)}"
            group.append(f"<g><title>{escape(label)}</title>{_marker(MARKERS[index % len(MARKERS)], x, y, color)}</g>")
        parts.append(f'<g class="series">{"".join(group)}</g>')
    summary = "；".join(
        f"{name}：" + "，".join(f"{c} {_format_number(v)}" for c, v in zip(categories, values, strict=False))
        for name, values in series
    )
    return _svg(title, height, "line", parts, summary)


def nice_ticks(maximum: float, target: int = 5) -> list[float]:
    """Axis ticks from 0 on a 1/2/5 × 10^k step covering ``maximum``.

    Counts are whole items, so the step is never below 1.
    """
    if not maximum or maximum <= 0:
        return [0, 1]
    raw = maximum / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(step, 1)
    count = math.ceil(maximum / step - 1e-9)
    return [_tidy(i * step) for i in range(count + 1)]


# -- building blocks -------------------------------------------------------


def _svg(title: str, height: float, kind: str, parts: list[str], summary: str, *, links: bool = False,
         width: int = WIDTH) -> Markup:
    """Wrap the chart; role=img hides links from screen readers, so a chart
    with links is a labelled group instead and each link names itself."""
    role = "group" if links else "img"
    body = "".join(parts)
    # Every user-supplied string reaching ``parts`` or this template went
    # through escape(); numbers and palette constants are ours.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" role="{role}" aria-label="{escape(title)}" '
        f'font-family="{escape(FONT)}" font-size="13" fill="{INK}">'
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>"
        f'<text class="chart-title" x="0" y="20" font-size="15" font-weight="bold">'
        f"{escape(_truncate(title, 80 if width >= WIDTH else 40))}</text>{body}</svg>"
    )


def _empty(title: str) -> Markup:
    return _svg(title, 80, "empty", [_text(WIDTH / 2, 58, "暂无数据", anchor="middle", cls="empty")], "暂无数据")


def _text(x: float, y: float, content: str, *, anchor: str = "start", cls: str = "", full: str | None = None) -> str:
    tip = f"<title>{escape(full)}</title>" if full is not None and full != content else ""
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{tip}{escape(content)}</text>'


def _rect(x, y, w, h, fill, *, cls: str, data_value: float) -> str:
    return (
        f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{w:.2f}" height="{h}" '
        f'fill="{fill}" data-value="{_tidy(data_value)}"/>'
    )


def _marker(shape: str, x: float, y: float, color: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{color}"/>'
    if shape == "triangle":
        pts = f"{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{pts}" fill="{color}"/>'
    if shape == "diamond":
        pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}"/>'


def _legend(series, x: float, y: float) -> str:
    items = []
    for index, (name, _) in enumerate(series):
        color, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(
            f'<g class="legend-item"><line x1="{x:.1f}" y1="{y + 10}" x2="{x + 24:.1f}" '
            f'y2="{y + 10}" stroke="{color}" stroke-width="2"{dash_attr}/>'
            f"{_marker(MARKERS[index % len(MARKERS)], x + 12, y + 10, color)}"
            f"{_text(x + 30, y + 14, _truncate(name, 12), cls='legend', full=name)}</g>"
        )
        x += 40 + min(_display_width(name), 24) * 7
    return f'<g class="legend">{"".join(items)}</g>'


def _linked(name: str, href: str | None, content: str) -> str:
    """Wrap in a link when ``href`` is safe; javascript:/data: URLs are dropped."""
    href = _safe_href(href)
    if href is None:
        return f'<g class="datum">{content}</g>'
    return f'<a class="datum" href="{escape(href)}" aria-label="{escape(name)}">{content}</a>'


def _safe_href(href: str | None) -> str | None:
    if not href:
        return None
    # Browsers ignore spaces and control characters inside a scheme, so
    # "java\tscript:" must be judged with them removed.
    scheme = _SCHEME.match(_CONTROL_OR_SPACE.sub("", href))
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return None
    return href


def _any_link(rows) -> bool:
    return any(_safe_href(row[2]) for row in rows)


def _summary(items, values, unit, percent) -> str:
    return "；".join(
        f"{label} {_format_value(v, unit, percent)}" for (label, _, _), v in zip(items, values, strict=True)
    )


# -- numbers and text --------------------------------------------------------


def _finite(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _ratio(value: float, scale: float | None) -> float:
    if not scale or scale <= 0:
        return 0.0
    return min(max(value / scale, 0.0), 1.0)


def _tidy(number: float):
    return int(number) if float(number).is_integer() else round(number, 4)


def _format_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _format_value(value: float, unit: str, percent: bool) -> str:
    if percent:
        return f"{value * 100:.1f}%"
    return f"{_format_number(value)}{(' ' + unit) if unit else ''}"


def _display_width(text: str) -> int:
    """Columns taken by ``text``: CJK and full-width characters count as two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _truncate(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` display columns, ending in … when cut."""
    if _display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = 2 if ord(ch) > 0x2E7F else 1
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"
