"""WordprocessingML details the 公文 layout needs and python-docx does not offer.

Fonts, borders, frames, fields and package properties, each written the way Word
expects (schema order, w:eastAsia named) and LibreOffice reads back the same way.
Kept apart from ``gongwen`` so the layout reads as layout.
"""
from __future__ import annotations

import datetime as dt
import re

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

FONT_BODY = "仿宋_GB2312"
FONT_TITLE = "方正小标宋简体"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE_NUMBER = "宋体"

# What Word and WPS substitute on a machine without the GB2312-era fonts (most Windows 10+
# installs): the font table names each one's stand-in (w:altName) with the GB2312 charset and
# its PANOSE class, and the stand-ins themselves are declared so they can be matched.
FONT_FALLBACKS = {
    FONT_BODY: "仿宋",
    FONT_H2: "楷体",
    FONT_TITLE: "宋体",
    FONT_H1: "SimHei",
    FONT_PAGE_NUMBER: "SimSun",
    "仿宋": "FangSong",
    "楷体": "KaiTi",
}
_PANOSE = {
    FONT_BODY: "02010609030101010101", "仿宋": "02010609060101010101",
    FONT_H2: "02010609030101010101", "楷体": "02010609060101010101",
    FONT_TITLE: "02000000000000000000", FONT_H1: "02010609060101010101", FONT_PAGE_NUMBER: "02010600030101010101",
}

# XML 1.0 forbids C0 controls other than tab/LF/CR, lone surrogates and U+FFFE/U+FFFF; python-docx
# refuses such text with a ValueError, so one pasted control character would break a letter.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Word rejects out-of-schema-order children; these are later siblings that may already be present.
_AFTER_PBDR = ("w:shd", "w:tabs", "w:snapToGrid", "w:spacing", "w:ind", "w:jc", "w:rPr")
_AFTER_TABS = ("w:snapToGrid", "w:spacing", "w:ind", "w:jc", "w:rPr")


def xml_text(text: str) -> str:
    """Text with the characters XML cannot hold removed (a letter must never fail on pasted text)."""
    return _XML_INVALID.sub("", text)


def set_fonts(rpr, font: str) -> None:
    """Name the font for every script and drop theme fonts, which would win.

    Without w:eastAsia, Word and LibreOffice use the theme's East Asian font: Japanese in python-docx's template.
    """
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{attr}"), font)
    # Punctuation such as “” and — is shared with Latin; render it as Chinese.
    rfonts.set(qn("w:hint"), "eastAsia")


def add_run(paragraph, text: str, font: str, size: float, *, bold=False, color=None):
    run = paragraph.add_run(xml_text(text))
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    set_fonts(run._r.get_or_add_rPr(), font)
    return run


def add_break(paragraph) -> None:
    """A line break inside the paragraph (w:br), for titles broken where the sense breaks."""
    paragraph.add_run().add_break()


def border(paragraph, edge: str, *, color: str, size_eighths: int, space_pt: int, style: str = "single") -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, *_AFTER_PBDR)
    line = OxmlElement(f"w:{edge}")
    for key, value in (("val", style), ("sz", size_eighths), ("space", space_pt), ("color", color)):
        line.set(qn(f"w:{key}"), str(value))
    borders.append(line)


def right_tab(paragraph, position_twips: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    tabs = OxmlElement("w:tabs")
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "right")
    tab.set(qn("w:pos"), str(position_twips))
    tabs.append(tab)
    ppr.insert_element_before(tabs, *_AFTER_TABS)


def page_field(paragraph, font: str, size: float) -> None:
    """A PAGE field: begin, instruction, separate, cached result, end."""
    for kind in ("begin", " PAGE ", "separate", "1", "end"):
        run = add_run(paragraph, kind if kind == "1" else "", font, size)
        if kind == " PAGE ":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = kind
            run._r.append(code)
        elif kind != "1":
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


def declare_font_fallbacks(doc) -> None:
    """Add our fonts to word/fontTable.xml with the stand-in each falls back to."""
    part = next(p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    w = root.nsmap["w"]
    for name in dict.fromkeys([*FONT_FALLBACKS, *FONT_FALLBACKS.values()]):
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        if name in FONT_FALLBACKS:
            etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": FONT_FALLBACKS[name]})
        etree.SubElement(font, f"{{{w}}}panose1", {f"{{{w}}}val": _PANOSE.get(name, "02010609060101010101")})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "modern" if name != FONT_TITLE else "script"})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "fixed" if name != FONT_TITLE else "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_properties(doc, *, title: str, author: str, issued: dt.date) -> None:
    """File → Properties shows the issuing office and the issue date, not python-docx's defaults."""
    props = doc.core_properties
    props.title = xml_text(title)
    props.author = props.last_modified_by = xml_text(author)
    props.created = props.modified = dt.datetime.combine(issued, dt.time(9, 0))
    props.comments = props.keywords = props.subject = ""
    props.revision = 1


_TEXT_BOX = """<w:r xmlns:w="{w}" xmlns:wp="{wp}" xmlns:a="{a}" xmlns:wps="{wps}"><w:drawing>
<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="251659264" behindDoc="0"
 locked="0" layoutInCell="1" allowOverlap="0"><wp:simplePos x="0" y="0"/>
<wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>
<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>
<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>
<wp:docPr id="{id}" name="{name}"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>
<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>
<wps:txbx><w:txbxContent/></wps:txbx>
<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b"><a:noAutofit/></wps:bodyPr>
</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>"""
_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
       "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
       "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
       "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"}
EMU_PER_PT = 12700


def bottom_box(paragraph, *, width_pt: float, height_pt: float, name: str):
    """A text box anchored in ``paragraph`` and standing at the foot of that page's text block.

    9704 puts the 版记 "in the last page's text block, at the very bottom" (§7.4, §10.1);
    blank lines cannot do that reliably, and LibreOffice drops the borders of framed
    paragraphs, so the 版记 is a borderless box with its own bordered paragraphs.  The
    box does not push text aside (wrapNone): ``paragraph`` is a spacer as tall as the
    box, so the flow itself keeps the room free.  Returns the box's w:txbxContent, to
    which the caller appends paragraphs.
    """
    xml = _TEXT_BOX.format(cx=round(width_pt * EMU_PER_PT), cy=round(height_pt * EMU_PER_PT), id=1, name=name,
                           **_NS)
    run = etree.fromstring(xml)
    paragraph._p.append(run)
    return run.find(f".//{{{_NS['w']}}}txbxContent")
