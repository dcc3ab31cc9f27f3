"""Chinese word segmentation for the index and for queries (jieba).

PostgreSQL's parsers and SQLite's tokenizers do not split Chinese into words: a whole
sentence becomes one token. So the text is segmented here, once, and the databases index
words separated by spaces. Documents use jieba's search mode (a long word also yields the
shorter words inside it: 大班额 → 大班, 大班额), queries the precise mode, so a query for
大班 finds 大班额. HMM word discovery is off on both sides: it guesses differently with
context, and a query must segment the way the same words did inside a document.

jieba's dictionary ships inside the package; it is loaded once per process, on first use
(about one second; the parsed form is cached in the instance folder), never at import.
The organisation's own words (unit names, the admin's terms) are added on top and checked
for changes at most every ``REFRESH_SECONDS``.
"""
from __future__ import annotations

import logging
import math
import re
import threading
import time
import unicodedata
from pathlib import Path

log = logging.getLogger("tracker.search")

REFRESH_SECONDS = 30
MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 12

_lock = threading.Lock()
_tokenizer = None
_user_words: frozenset[str] = frozenset()
_checked_at = 0.0
init_seconds: float | None = None  # measured once per process, shown by the bench


def _load(cache_dir: str | None):
    global _tokenizer, init_seconds
    with _lock:
        if _tokenizer is None:
            started = time.perf_counter()
            import jieba
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            if cache_dir:
                Path(cache_dir).mkdir(parents=True, exist_ok=True)
                tokenizer.tmp_dir = cache_dir
            tokenizer.initialize()
            init_seconds = time.perf_counter() - started
            log.info("jieba dictionary loaded in %.2f s", init_seconds)
            _tokenizer = tokenizer
    return _tokenizer


def tokenizer(refresh: bool = True):
    """The process's tokenizer. ``refresh``: first pick up dictionary changes made by other
    processes (a query; never from inside a flush, where the index is being written)."""
    from flask import current_app, has_app_context
    cache_dir = current_app.instance_path if has_app_context() else None
    tok = _tokenizer or _load(cache_dir)
    if refresh and has_app_context() and time.monotonic() - _checked_at > REFRESH_SECONDS:
        refresh_user_words()
    return tok


def preload(app) -> float:
    """Load the dictionary now (gunicorn's master, before it forks workers): every worker,
    and every worker that replaces a killed one, then starts with it loaded."""
    from ..extensions import db
    with app.app_context():
        tokenizer()
        refresh_user_words()
        db.engine.dispose()
    return init_seconds or 0.0


def refresh_user_words(words: set[str] | None = None) -> None:
    """Make the tokenizer's extra words equal to the unit names and admin terms."""
    global _user_words, _checked_at
    if words is None:
        from .dictionary import user_words
        words = user_words()
    tok = _tokenizer or _load(None)
    with _lock:
        wanted = frozenset(w for w in words if len(w) >= 2)
        for word in wanted - _user_words:
            tok.add_word(word, freq=max(tok.FREQ.get(word, 0), 1000))
        for word in _user_words - wanted:
            tok.del_word(word)
        if wanted != _user_words:
            _blocks.clear()  # cut with the old dictionary
        _user_words = wanted
        _checked_at = time.monotonic()


def normalize(text: str) -> str:
    """Full-width letters and digits to ASCII, lower case, control characters dropped."""
    return CONTROL.sub(" ", unicodedata.normalize("NFKC", text or "").lower())


# Control and format characters (Cc, the common Cf, surrogates, private use).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u2064\u2066-\u206f\ud800-\udfff\ue000-\uf8ff\ufeff\ufff9-\ufffb"
                     "\U000f0000-\U0010ffff]")
NOT_WORD = re.compile(r"[\W_]+")


def _clean(token: str) -> str:
    # Only letters and digits reach the index or a query: no FTS syntax can get through.
    return NOT_WORD.sub("", token)


# Words of each block already segmented (per process; emptied when the dictionary changes).
# jieba cuts a text block by block (a block: a run of Han characters, letters and digits, or
# a run of anything else), each on its own, so a block's words never depend on its
# neighbours and a cache by block gives exactly the words of cutting the whole text.
# Reports and progress posts repeat whole sentences (dates, 已完成整改, boilerplate), and
# ``reindex`` then segments each distinct block once.
_blocks: dict[str, list[str]] = {}
MAX_CACHED_BLOCKS = 200_000


def document_words(text: str) -> list[str]:
    from jieba import re_han_default
    tok = tokenizer(refresh=False)
    words: list[str] = []
    for block in re_han_default.split(normalize(text)):
        if not block:
            continue
        cut = _blocks.get(block)
        if cut is None:
            cut = [w for w in map(_clean, tok.cut_for_search(block, HMM=False)) if w]
            if len(_blocks) >= MAX_CACHED_BLOCKS:
                _blocks.clear()
            _blocks[block] = cut
        words.extend(cut)
    return words


def document_terms(text: str) -> str:
    return " ".join(document_words(text))


# Single characters that never start or continue a name: they split a run (see phrases()).
FUNCTION_CHARS = frozenset("的了和与及或等在是有对将把被为请向从由于也就都而并且之其该")


def phrases(tokens) -> list[str]:
    """Clean tokens, with each run of single characters joined into one phrase
    ("大 班 额"): a word missing from the dictionary is cut into characters, the same way in
    every text, so the characters side by side find it where a lone 大 would find anything."""
    out: list[str] = []
    run: list[str] = []
    for token in tokens:
        word = _clean(token)
        if not word:
            continue
        if len(word) == 1 and word not in FUNCTION_CHARS and not word.isascii():
            run.append(word)
            continue
        if run:
            out.append(" ".join(run))
            run = []
        if word not in FUNCTION_CHARS:
            out.append(word)
    if run:
        out.append(" ".join(run))
    return out


def query_words(text: str) -> list[str]:
    """The words (or phrases of adjacent characters) of a query, in order, without
    repeats; empty when nothing is searchable."""
    text = normalize(text)[:MAX_QUERY_CHARS]
    if not text.strip():
        return []
    words = list(dict.fromkeys(phrases(tokenizer().cut(text, HMM=False))))
    if not words:  # only function characters: search for them as they are
        words = list(dict.fromkeys(w for w in (_clean(t) for t in tokenizer().cut(text, HMM=False)) if w))
    return words[:MAX_QUERY_TOKENS]


def alternatives(word: str) -> tuple[str, ...]:
    """Ways ``word`` can appear in the index. Segmentation depends on context: inside
    食品安全监管 jieba cuts 食品 / 安全监管, so the word 食品安全 is not there, but its parts are,
    side by side. A dictionary word of three characters or more therefore also matches as
    the phrase of the shorter dictionary words that cover it ("食品 安全")."""
    if " " in word or len(word) < 3:
        return (word,)
    tok = tokenizer()
    parts, start = [], 0
    while start < len(word):
        end = next((e for e in range(min(len(word), start + 4), start + 1, -1)
                    if word[start:e] != word and tok.FREQ.get(word[start:e])), start + 1)
        parts.append(word[start:end])
        start = end
    if len(parts) < 2 or all(len(p) == 1 for p in parts):
        return (word,)
    return (word, " ".join(parts))


def weight(word: str) -> float:
    """How telling a word is: rare in jieba's dictionary counts (≈ IDF) more; a phrase of
    characters that is no dictionary word counts as a rare word."""
    tok = tokenizer()
    return math.log(tok.total / (tok.FREQ.get(word.replace(" ", "")) or 1))
