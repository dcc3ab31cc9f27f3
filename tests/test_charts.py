"""Dashboard SVG charts: well-formed, CSP-safe, escaped, linked, and drawn to scale."""

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from tracker.documents.charts import bar_chart, funnel_chart, line_chart, nice_ticks

NS = {"svg": "http://www.w3.org/2000/svg"}
HOSTILE = "<script>alert(1)</script>"


def _parse(markup):
    assert isinstance(markup, Markup)
    text = str(markup)
    assert "style=" not in text and "<style" not in text
    assert "<script" not in text
    return ET.fromstring(text)  # noqa: S314 -- our own output, parsed to prove it is well-formed


def _bars(root, cls="bar"):
    return [el for el in root.iter("{http://www.w3.org/2000/svg}rect") if el.get("class") == cls]


def _texts(root):
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


ALL_CHARTS = {
    "bar": lambda label, href: bar_chart([(label, 3, href), ("区民政局", 1, None)], title=label),
    "funnel": lambda label, href: funnel_chart([(label, 10, href), ("办结", 4, None)], title=label),
    "line": lambda label, href: line_chart([label, "2月"], [(label, [1, 2])], title=label),
}


@pytest.mark.parametrize("kind", ALL_CHARTS)
def test_hostile_labels_are_escaped_and_output_is_well_formed(kind):
    markup = ALL_CHARTS[kind](HOSTILE, "/items?unit=1")
    root = _parse(markup)
    assert "&lt;script&gt;" in str(markup)
    assert root.get("aria-label") == HOSTILE
    assert root.find("svg:title", NS).text == HOSTILE


@pytest.mark.parametrize("kind", ALL_CHARTS)
def test_empty_data_says_so(kind):
    empty = {
        "bar": lambda: bar_chart([], title="各单位办结率", percent=True),
        "funnel": lambda: funnel_chart([], title="办理进度"),
        "line": lambda: line_chart([], [("新增", [])], title="月度趋势"),
    }[kind]
    root = _parse(empty())
    assert "暂无数据" in _texts(root)
    assert root.get("role") == "img"


def test_line_chart_without_series_is_empty():
    assert "暂无数据" in _texts(_parse(line_chart(["1月"], [], title="趋势")))


def test_bar_lengths_are_proportional_to_values():
    root = _parse(bar_chart([("甲", 10, None), ("乙", 5, None), ("丙", 2.5, None), ("丁", 0, None)], title="t"))
    widths = [float(b.get("width")) for b in _bars(root)]
    assert widths[0] > 0
    assert widths[1] == pytest.approx(widths[0] / 2)
    assert widths[2] == pytest.approx(widths[0] / 4)
    assert widths[3] == 0


def test_percent_bars_are_scaled_to_one_hundred_percent():
    root = _parse(bar_chart([("区教育局", 0.857, None), ("区卫健委", 0.5, None)], title="满意率", percent=True))
    widths = [float(b.get("width")) for b in _bars(root)]
    full = widths[0] / 0.857
    assert widths[1] == pytest.approx(full * 0.5)
    assert "85.7%" in _texts(root) and "50.0%" in _texts(root)


def test_explicit_max_value_and_unit():
    root = _parse(bar_chart([("甲", 5, None), ("乙", 20, None)], title="t", max_value=10, unit="件"))
    widths = [float(b.get("width")) for b in _bars(root)]
    assert widths[1] == pytest.approx(widths[0] * 2)  # capped at the scale, not beyond
    assert "5 件" in _texts(root)


def test_all_zero_values_do_not_divide_by_zero():
    root = _parse(bar_chart([("甲", 0, None), ("乙", 0, None)], title="t"))
    assert [float(b.get("width")) for b in _bars(root)] == [0, 0]
    _parse(funnel_chart([("交办", 0, None), ("办结", 0, None)], title="t"))
    _parse(line_chart(["1月", "2月"], [("新增", [0, 0])], title="t"))


def test_links_wrap_each_bar_and_are_escaped():
    markup = bar_chart([("区教育局", 3, '/items?unit=3&stage=closed"><script>'), ("区民政局", 1, None)], title="t")
    root = _parse(markup)
    links = root.findall("svg:a", NS)
    assert len(links) == 1
    assert links[0].get("href") == '/items?unit=3&stage=closed"><script>'
    assert "&amp;stage=closed&#34;&gt;" in str(markup)
    assert _bars(links[0])  # the bar itself is inside the link
    assert links[0].get("aria-label") == "区教育局：3"
    assert root.get("role") == "group"  # role=img would hide the links from screen readers


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x", "data:text/html,x"])
def test_script_urls_are_not_linked(href):
    root = _parse(bar_chart([("甲", 1, href)], title="t"))
    assert root.findall(".//svg:a", NS) == []
    assert root.get("role") == "img"


def test_funnel_links_and_shares():
    root = _parse(
        funnel_chart([("交办", 40, "/items?stage=assigned"), ("办结", 10, "/items?stage=closed")], title="办理进度")
    )
    assert [a.get("href") for a in root.findall("svg:a", NS)] == ["/items?stage=assigned", "/items?stage=closed"]
    widths = [float(b.get("width")) for b in _bars(root, "stage")]
    assert widths[1] == pytest.approx(widths[0] / 4)
    assert "10 件（25.0%）" in _texts(root)


def test_long_labels_are_truncated_with_full_text_in_title():
    label = "关于加强和改进全区基层医疗卫生服务体系建设情况的审议意见落实"
    root = _parse(bar_chart([(label, 1, None)], title="t"))
    shown = [t for t in _texts(root) if t.endswith("…")]
    assert shown and len(shown[0]) < len(label)
    titles = [el.text for el in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(label in t for t in titles)


def test_line_chart_series_legend_and_axis():
    root = _parse(line_chart(["1月", "2月", "3月"], [("新增", [3, 7, 12]), ("办结", [0, 2, 5])], title="月度"))
    lines = root.findall(".//svg:polyline", NS)
    assert len(lines) == 2
    assert lines[0].get("stroke") != lines[1].get("stroke")
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")  # tells apart in grayscale
    texts = _texts(root)
    assert "新增" in texts and "办结" in texts
    assert [t for t in texts if t.isdigit()] == ["0", "5", "10", "15"]
    # higher values are drawn higher up (smaller y)
    ys = [float(p.split(",")[1]) for p in lines[0].get("points").split()]
    assert ys[0] > ys[1] > ys[2]


@pytest.mark.parametrize(
    "maximum, ticks",
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (12, [0, 5, 10, 15]),
        (97, [0, 20, 40, 60, 80, 100]),
        (100, [0, 20, 40, 60, 80, 100]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_nice_ticks(maximum, ticks):
    assert nice_ticks(maximum) == ticks


def test_light_chart_draws_red_yellow_green_with_a_legend(app, demo):
    """Issue 14: the light chart was all blue; each light now has its colour, and the
    narrow drawing keeps 13 px text at phone width."""
    from tests.conftest import login_as
    from tracker.documents.charts import LIGHT_FILLS
    html = login_as(app, "staff").get("/dashboard").get_data(as_text=True)
    chart = html[html.index('class="chart chart-lights"'):]
    chart = chart[:chart.index("</figure>")]
    fills = re.findall(r'<rect class="bar"[^>]*fill="(#[0-9a-f]{6})"', chart)
    assert fills == [LIGHT_FILLS["red"], LIGHT_FILLS["yellow"], LIGHT_FILLS["green"]]
    assert 'width="360"' in chart and "图例" in chart and "红灯" in chart
    assert "print-header" in html and "打印日期" in html
