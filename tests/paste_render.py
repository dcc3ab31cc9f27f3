"""Render a clean text the way real pastes arrive: from Word/PDF or from a web page.

Used by the paste tests to check that the splitter gives the same result for the
clean text and for an ugly paste of it.  The renderings copy what the corpus pages
show: 公文 pages of 28 characters × 22 lines with "— N —" footers and the title as a
running header (GB/T 9704), indents of two ideographic spaces, hard line breaks in
the middle of sentences; web copies with breadcrumbs, toolbars, blank lines and NBSPs.
"""

from __future__ import annotations

LINE_WIDTH = 28
LINES_PER_PAGE = 22


def _wrap(paragraph: str, width: int) -> list[str]:
    """Hard-wrap like a PDF or Word text copy, never inside a run of ASCII digits/letters."""
    lines: list[str] = []
    rest = "\u3000\u3000" + paragraph
    while len(rest) > width:
        cut = width
        while 0 < cut < len(rest) and rest[cut - 1].isascii() and rest[cut - 1].isalnum() and rest[cut].isascii() \
                and rest[cut].isalnum():
            cut -= 1
        if cut == 0:
            cut = width
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    return lines


def word_copy(text: str, header: str = "××区人大常委会文件") -> str:
    """Text as copied out of a Word/PDF 公文: wrapped lines, a running header at the
    top of every page and a "— N —" footer at the bottom."""
    out: list[str] = [header]
    page = 1
    on_page = 0
    for paragraph in (p.strip() for p in text.replace("\r\n", "\n").split("\n")):
        if not paragraph:
            continue
        for line in _wrap(paragraph, LINE_WIDTH):
            out.append(line)
            on_page += 1
            if on_page == LINES_PER_PAGE:
                out += ["", f"— {page} —", "", header]
                page += 1
                on_page = 0
    out += ["", f"— {page} —"]
    return "\r\n".join(out)


def pdf_copy(text: str) -> str:
    """Text as copied out of a PDF viewer: like :func:`word_copy` but the paragraph
    indents are lost, so only line widths tell a wrapped line from a new paragraph."""
    return word_copy(text).replace("\u3000\u3000", "")


def web_copy(text: str) -> str:
    """Text as selected on a government web page and pasted: junk lines, NBSP indents."""
    junk_top = ["首页 > 人大工作 > 监督工作 > 正文", "发布时间：2024-05-06 10:00:00", "来源：区人大常委会办公室",
                "【字号：大 中 小】", "打印本页"]
    junk_bottom = ["【打印】【关闭】", "上一篇：关于召开区人大常委会第十次会议的通知", "下一篇：无",
                   "扫一扫在手机打开当前页"]
    body = ["\u00a0\u00a0" + p.strip() for p in text.split("\n") if p.strip()]
    return "\n\n".join(junk_top + body + junk_bottom)


def cpu_growth(work, small: str, copies: int = 4, tries: int = 5) -> float:
    """How much more CPU time `work` takes on `copies` copies of `small` than on `small`.

    A ratio, not a time: a shared CI machine can slow a run tenfold (one took 1.25 s for
    what takes 0.04 s alone), but it slows both sides alike.  The least of `tries` runs
    of each side, in process CPU time, so waiting for the CPU does not count.  A linear
    splitter gives about `copies`; a quadratic one about `copies` squared.
    """
    import time

    big = "\n".join([small] * copies)

    def least(text: str) -> float:
        best = float("inf")
        for _ in range(tries):
            start = time.process_time()
            work(text)
            best = min(best, time.process_time() - start)
        return best

    work(small)  # compiled patterns and caches are not part of the comparison
    return least(big) / max(least(small), 1e-6)
