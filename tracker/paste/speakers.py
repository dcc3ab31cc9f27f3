"""Who is speaking in a 专题询问 record: a member asking, an official answering.

Records name people in many ways — "王某某委员", "区人大代表李某",
"区教育局局长张某某", "市食药委主任王建军", "副区长张洪祥",
"工业和信息化部部长 金壮龙", "张某某（区教育局局长）".  This module reads one
such label into name, post (职务), unit and role; it knows nothing of layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Role", "Speaker", "parse_speaker"]


class Role(StrEnum):
    ASKER = "asker"  # 常委会组成人员、人大代表: 询问人
    ANSWERER = "answerer"  # officials of 一府一委两院: 应询人
    HOST = "host"  # 主持人: kept as context
    REPORTER = "reporter"  # 记者: dropped
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Speaker:
    label: str  # as written
    role: Role
    name: str | None = None
    post: str | None = None  # 职务: 区教育局局长 / 委员 / 区人大代表
    unit: str | None = None  # 区教育局


_NAME = r"[\u4e00-\u9fff*＊×某]{2,4}"
_ASKER_TITLES = re.compile(r"常委会组成人员|组成人员|委员(?!会)|代表|询问人")
_POSTS = (
    r"常务副(?:区长|县长|市长|主任)|副(?:区长|县长|市长|镇长|局长|主任|院长|检察长|厅长|部长|书记|主席)|"
    r"区长|县长|市长|镇长|乡长|局长|主任|院长|检察长|厅长|部长|处长|科长|书记|主席|总经理|经理|"
    r"队长|站长|所长|行长|负责同志|负责人|应询人|发言人|巡视员|司长|署长|总监"
)
_POST_RE = re.compile(_POSTS)
_UNIT_END = re.compile(
    r"(?:局|委|委员会|办|办公室|院|部|厅|署|中心|政府|公司|街道|镇|乡|分局|支队|大队|集团|银行|管委会|总台|党组)$"
)
_REPORTER = re.compile(r"记者|媒体|采访")
# "副区长朱某某立即回应：" is a sentence about a speaker (news style), not a label.
_SPEECH_VERB = re.compile(r"回应|表示|指出|强调|介绍|承诺|问道|说道|答道|提问|询问|发问|立即|当场")
_HOST = re.compile(r"主持")


def _clean(label: str) -> str:
    label = re.sub(r"\s+", " ", label.strip(" ：:，,、"))
    return re.sub(r"(?:表示|指出|强调|回应|介绍|说)$", "", label)


def _split_post_name(label: str, match: re.Match) -> tuple[str | None, str | None]:
    """(post, name) around the title found by ``match``."""
    before, after = label[: match.start()].strip(), label[match.end():].strip(" ，,")
    title_end = match.end()
    if after and re.fullmatch(_NAME, after):
        return label[:title_end].strip(), after
    if not after and before and re.fullmatch(_NAME, before) and not _UNIT_END.search(before):
        return match.group(0), before
    if not after:
        return label.strip() or None, None
    return label.strip(), None


def _unit_of(post: str | None, title: re.Match | None) -> str | None:
    if not post or not title:
        return None
    post = re.split(r"[、，,]", post)[-1]  # 区委常委、副区长: the unit belongs to the last post
    unit = post[: post.rfind(title.group(0))] if title.group(0) in post else post
    unit = re.sub(r"(?:党组书记|党委书记|党组成员|局长|主任)?[、，,\s]*$", "", unit).strip()
    return unit if unit and _UNIT_END.search(unit) else None


def parse_speaker(label: str, hint: Role | None = None) -> Speaker:
    """Read a speaker label; ``hint`` is the role implied by 问/答 around it."""
    text = _clean(label)
    paren = re.fullmatch(rf"({_NAME})\s*[（(]([^）)]+)[）)]", text)
    if paren:  # 张某某（区教育局局长）
        inner = parse_speaker(paren.group(2), hint)
        return Speaker(text, inner.role, paren.group(1), paren.group(2).strip(), inner.unit)
    if _REPORTER.search(text):
        return Speaker(text, Role.REPORTER)
    if _HOST.search(text):
        return Speaker(text, Role.HOST, post="主持人")

    asker = _ASKER_TITLES.search(text)
    posts = list(_POST_RE.finditer(text))
    is_asker = bool(asker) and (not posts or "人大" in text or "政协" in text) or hint is Role.ASKER and not posts
    if is_asker and asker:
        post, name = _split_post_name(text, asker)
        return Speaker(text, Role.ASKER, name, post)
    if posts and "人大" in text and re.search(r"主任|负责人|秘书长|主席", posts[-1].group(0)):
        # 人大常委会主任/负责人 preside over the inquiry; they are not 应询人.
        post, name = _split_post_name(text, posts[-1])
        return Speaker(text, Role.HOST, name, post)
    if posts:
        # "工业和信息化部部长 金壮龙": the last post keyword ends the post.
        last = posts[-1]
        post, name = _split_post_name(text, last)
        if post and post == last.group(0) and name:  # 王建军局长: no unit in the label
            return Speaker(text, Role.ANSWERER, name, post)
        return Speaker(text, Role.ANSWERER, name, post, _unit_of(post, last))
    if hint is not None:
        unit = text if _UNIT_END.search(text) else None
        return Speaker(text, hint, None if unit else (text or None), None, unit)
    return Speaker(text, Role.UNKNOWN)


def looks_like_speaker(label: str) -> bool:
    """Whether "label：" at the start of a line names a speaker (not "会议指出：")."""
    text = _clean(label)
    if not text or len(text) > 40 or re.search(r"[。；？！“”]", text) or _SPEECH_VERB.search(text):
        return False
    return bool(_REPORTER.search(text) or _HOST.search(text) or _ASKER_TITLES.search(text) or _POST_RE.search(text))
