"""Khmer words and spelling, shared by every stage that needs word boundaries.

Khmer writes no spaces between words. The PDF keeps each word unbreakable (see
docgen.pdf.typst_ast), the DOCX gets a word joiner where Word and LibreOffice would
break inside a word (``protect``, used by docgen.docx.khmer_join), table cells are
shortened between words and redlines diff Khmer word by word.

Words are khmercut's units, corrected by the project's lexicon: khmercut's units are
finer than words (it splits compounds such as គោល|នយោបាយ or អង្គការសហ|ប្រជាជាតិ) and
sometimes wrong (ផ្អែក|លើស|សរ|ស្តម្ភ for ផ្អែកលើ|សសរស្តម្ភ). The lexicon is the
curated word list ``khmer_words.txt`` (one word per line, ``#`` comments), the
optional ``khmer_words.txt`` of the plan data folder, and the terms the plan data
defines (glossary, institution and place names, registered by ``use_terms``). An
entry of the lexicon is always one word: where it starts at a khmercut boundary (or
right after another entry or a prefix such as ការ), the longest entry that fits is
one word, whatever khmercut cut inside it. Signs (។ ៖) and numbers are segmented
apart; a number then stays with the word before it, a prefix with the word after it.

Spelling: ``normalise`` maps the variant spellings of ``khmer_spelling.txt`` (same
format: ``variant  preferred``) and the encoding-order variants typists produce
(ស្រ្តី for ស្ត្រី, ំុ for ុំ) to one preferred form.

Results are cached: the same texts recur across the language variants of one build.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

KHMER_RUN = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]+")
# One written syllable (what a line may never be broken inside): a base letter with its
# subscripts (coeng + letter), dependent vowels and signs; any other Khmer character alone.
CLUSTER = re.compile(r"[\u1780-\u17B3](?:\u17D2[\u1780-\u17B3]|[\u17B4-\u17D1\u17D3\u17DD])*|[\u1780-\u17FF\u19E0-\u19FF]")
# Punctuation and digits are units of their own: khmercut misreads a letter before ៖ or ។
# (អង្គការ៖ -> អង្គកា|រ៖), so letters are segmented without them.
_NOT_LETTERS = re.compile(r"[\u17D4-\u17DC]+|[\u17E0-\u17E9]+|[\u17F0-\u17F9\u19E0-\u19FF]+")

_DIGITS = re.compile(r"[\u17E0-\u17E9]+")
# Words that stay with the number before them.
_AFTER_NUMBER = ("ភាគរយ",)

WORD_JOINER = "\u2060"
ZERO_WIDTH_SPACE = "\u200b"
_TRAILING_SIGN = re.compile(r"[\u17d4-\u17d8\u17da]+")  # end a word or sentence: never start a line
# Characters docgen itself inserts into Khmer text for line breaking (zero-width space,
# word joiner): never part of the content, stripped wherever text is read back or compared.
INVISIBLE = re.compile("[\u200b\u2060]")

DATA_DIR = Path(__file__).resolve().parent
WORDS_FILE = DATA_DIR / "khmer_words.txt"
SPELLING_FILE = DATA_DIR / "khmer_spelling.txt"
PLAN_WORDS_NAME = "khmer_words.txt"  # the plan data folder's own additions, if any

# A data term longer than this is a phrase, not a word: keeping it unbreakable would
# overflow narrow table columns (its words are in the curated list instead).
MAX_TERM_LEN = 20


def strip_invisible(text: str) -> str:
    """``text`` without the zero-width characters docgen inserts for line breaking."""
    return INVISIBLE.sub("", text)


def clusters(text: str) -> list[str]:
    return CLUSTER.findall(text)


def _read_list(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, fields) of a one-entry-per-line file; '#' starts a comment."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if fields:
            out.append((n, fields))
    return out


# --- spelling ---------------------------------------------------------------------

_COENG_RO = "\u17D2\u179A"
# ស្រ្តី -> ស្ត្រី: the subscript RO is encoded after the other subscripts of its syllable.
_RO_FIRST = re.compile(f"{_COENG_RO}((?:\u17D2[\u1780-\u17A2])+)")
_ORDER = [
    ("\u17C6\u17BB", "\u17BB\u17C6"),   # ំុ -> ុំ (vowel before nikahit)
    ("\u17C1\u17B8", "\u17BE"),         # េ + ី -> ើ (one vowel, not two)
    ("\u17C1\u17B6", "\u17C4"),         # េ + ា -> ោ
    ("\u17B2\u17D2\u1799", "\u17B1\u17D2\u1799"),  # ឲ្យ -> ឱ្យ (U+17B2 is a variant of ឱ)
    ("\u17A3", "\u17A2"),               # deprecated independent vowel ឣ -> អ
    ("\u17A4", "\u17A2\u17B6"),         # deprecated ឤ -> អា
    ("\u17B4", ""), ("\u17B5", ""),     # invisible inherent vowels (discouraged by Unicode)
]


@lru_cache(maxsize=1)
def spelling_table() -> dict[str, str]:
    """variant -> preferred form, from khmer_spelling.txt (checked: no chains, no duplicates)."""
    table: dict[str, str] = {}
    for n, fields in _read_list(SPELLING_FILE):
        if len(fields) != 2:
            raise ValueError(f"{SPELLING_FILE.name}:{n}: expected 'variant preferred', got {' '.join(fields)!r}")
        variant, preferred = fields
        if variant in table:
            raise ValueError(f"{SPELLING_FILE.name}:{n}: {variant} is listed twice")
        table[variant] = preferred
    for variant, preferred in table.items():
        if preferred in table:
            raise ValueError(f"{SPELLING_FILE.name}: {variant} -> {preferred}, but {preferred} is itself a variant")
    return table


@lru_cache(maxsize=1)
def _spelling_re() -> Optional[re.Pattern]:
    table = spelling_table()
    if not table:
        return None
    return re.compile("|".join(re.escape(v) for v in sorted(table, key=len, reverse=True)))


def _normalise_order(text: str) -> str:
    text = _RO_FIRST.sub(lambda m: m.group(1) + _COENG_RO, text)
    for old, new in _ORDER:
        text = text.replace(old, new)
    return text


@lru_cache(maxsize=65536)
def _normalise_run(run: str) -> str:
    run = _normalise_order(run)
    pattern = _spelling_re()
    return pattern.sub(lambda m: spelling_table()[m.group()], run) if pattern else run


def normalise(text: str) -> str:
    """``text`` with every Khmer run in its preferred spelling (other text unchanged)."""
    if not KHMER_RUN.search(text):
        return text
    return KHMER_RUN.sub(lambda m: _normalise_run(m.group()), text)


# An ASCII colon right after Khmer text (a label, or a data text's own colon), possibly after
# the Markdown that closes a span or emphasis: Khmer writes ៖. Not after a digit (១០:៣០).
_KHMER_COLON = re.compile(r"(?<=[\u1780-\u17D3\u17DD])((?:\]\{lang=km\}|\*\*|\*|\])*)\\?:(?!:)")


def khmer_colons(markdown: str) -> str:
    """Pandoc Markdown with the colon after each Khmer label or text written ៖ (inside the
    Khmer span, so it takes the Khmer font)."""
    return _KHMER_COLON.sub(lambda m: "\u17d6" + m.group(1), markdown)


def spelling_variants(text: str) -> list[tuple[str, str]]:
    """(as written, preferred) for each Khmer run of ``text`` that normalise() changes."""
    out = []
    for m in KHMER_RUN.finditer(text):
        fixed = _normalise_run(m.group())
        if fixed != m.group():
            out.append((m.group(), fixed))
    return out


# --- lexicon ------------------------------------------------------------------------

class Lexicon:
    """Words indexed by their first syllable, for longest-match lookup."""

    def __init__(self, words: Iterable[str]):
        self.words: set[str] = set()
        self._by_first: dict[str, list[str]] = {}
        for word in words:
            word = normalise(strip_invisible(word.strip()))
            cl = clusters(word)
            if len(cl) < 2 or "".join(cl) != word or not KHMER_RUN.fullmatch(word) or word in self.words:
                continue  # one syllable merges nothing; non-Khmer entries have no place here
            self.words.add(word)
            self._by_first.setdefault(cl[0], []).append(word)
        for entries in self._by_first.values():
            entries.sort(key=len, reverse=True)

    def __contains__(self, word: str) -> bool:
        return word in self.words

    def __len__(self) -> int:
        return len(self.words)

    def longest(self, text: str, start: int, first: str, ends: set[int]) -> int:
        """The end of the longest entry at ``text[start:]`` (whose first syllable is
        ``first``) that ends on a syllable boundary in ``ends``; 0 if none."""
        for word in self._by_first.get(first, ()):
            end = start + len(word)
            if end in ends and text.startswith(word, start):
                return end
        return 0


def curated_words(extra_file: Optional[Path] = None) -> list[str]:
    files = [WORDS_FILE] + ([extra_file] if extra_file is not None and extra_file.is_file() else [])
    return [fields[0] for path in files for _, fields in _read_list(path)]


_CONNECTIVES = ("និង", "នៃ", "ស្ដីពី", "ដោយ", "របស់")


def term_words(term: str) -> list[str]:
    """The lexicon entries a data term gives: its space-separated parts, without a leading
    connective (និង, នៃ...), when they are short enough to be one word."""
    out = []
    for part in normalise(strip_invisible(term)).split():
        for run in KHMER_RUN.findall(part):
            for c in _CONNECTIVES:
                if run.startswith(c) and len(run) > len(c) + 1:
                    run = run[len(c):]
                    break
            if len(run) <= MAX_TERM_LEN:
                out.append(run)
    return out


_lexicon = Lexicon(curated_words())


def use_terms(terms: Iterable[str], plan_dir: Optional[Path] = None) -> Lexicon:
    """Make the lexicon the curated words, the plan folder's khmer_words.txt and the
    given data terms (glossary, institution and place names). Clears the caches."""
    extra = Path(plan_dir) / PLAN_WORDS_NAME if plan_dir is not None else None
    words = curated_words(extra) + [w for t in terms for w in term_words(t)]
    _set_lexicon(Lexicon(words))
    return _lexicon


def lexicon() -> Lexicon:
    return _lexicon


def adopt_lexicon(words: Iterable[str]) -> None:
    """Use the words of another process's lexicon (a build's worker processes start
    without the plan's terms)."""
    _set_lexicon(Lexicon(words))


def _set_lexicon(new: Lexicon) -> None:
    global _lexicon
    if new.words != _lexicon.words:
        _lexicon = new
        segment.cache_clear()  # words, and the joins that depend on them
        _joins.cache_clear()


# --- segmentation -------------------------------------------------------------------

def _khmercut(letters: str) -> list[str]:
    import khmercut

    units = [u for u in khmercut.tokenize(letters) if u]
    return units if "".join(units) == letters else [letters]


# Prefixes that make a noun of the word after them (ការ, សេចក្ដី, អ្នក): khmercut keeps them
# in one unit with it (ការ|ផ្សារភ្ជាប់ is one unit), so a lexicon entry may start right after one.
_PREFIXES = ("ការ", "សេចក្ដី", "អ្នក")


def _segment_letters(letters: str) -> list[str]:
    """Words of a run of Khmer letters: khmercut's units with the lexicon's entries merged."""
    units = _khmercut(letters)
    if len(units) == 1 and letters in _lexicon:
        return units
    cuts, pos = {0}, 0
    for u in units:
        pos += len(u)
        cuts.add(pos)
    syllables = clusters(letters)
    ends, pos = {0}, 0
    starts = []
    for syl in syllables:
        starts.append((pos, syl))
        pos += len(syl)
        ends.add(pos)
    bounds = set(cuts)
    last_end = -1
    i = 0
    while i < len(starts):
        start, first = starts[i]
        end = 0
        # An entry starts where khmercut starts a word or right after another entry: an
        # entry that would begin inside one of khmercut's words is more likely a false match.
        if start in cuts or start == last_end or any(start - len(p) in cuts and letters.startswith(p, start - len(p))
                                                      for p in _PREFIXES):
            end = _lexicon.longest(letters, start, first, ends)
        if end:
            bounds = {b for b in bounds if not start < b < end} | {start, end}
            last_end = end
            while i < len(starts) and starts[i][0] < end:
                i += 1
        else:
            i += 1
    b = sorted(bounds | {len(letters)})
    return [letters[x:y] for x, y in zip(b, b[1:]) if y > x]


@lru_cache(maxsize=65536)
def segment(run: str) -> Optional[tuple[str, ...]]:
    """The words of a run of Khmer characters, or None if segmentation lost or added
    characters (cached: plan texts repeat across variants and in redlines)."""
    out: list[str] = []
    pos = 0
    for m in _NOT_LETTERS.finditer(run):
        if m.start() > pos:
            out += _segment_letters(run[pos:m.start()])
        out.append(m.group())
        pos = m.end()
    if pos < len(run):
        out += _segment_letters(run[pos:])
    # A number stays with the word it counts or dates (ឆ្នាំ២០២៤, ថ្ងៃទី៣០, ទី១), and a
    # nominalising prefix with the word it makes a noun of (ការ|ឆ្លើយតប): neither may end a line.
    merged: list[str] = []
    for w in out:
        if merged and _DIGITS.fullmatch(w) and not _NOT_LETTERS.fullmatch(merged[-1]):
            merged[-1] += w
        elif merged and w in _AFTER_NUMBER and _DIGITS.search(merged[-1][-1:]):
            merged[-1] += w  # ២០ភាគរយ: a percentage is never split from its number
        elif merged and merged[-1] in _PREFIXES and not _NOT_LETTERS.fullmatch(w):
            merged[-1] += w
        else:
            merged.append(w)
    return tuple(merged) if "".join(merged) == run else None


def words(run: str) -> tuple[str, ...]:
    """The words of a run of Khmer letters; the run whole if segmentation lost or added
    characters."""
    seg = segment(run)
    return seg if seg is not None else (run,)


def split(text: str) -> list[tuple[bool, str]]:
    """``text`` as (is_khmer_word, piece) pieces, in order; non-Khmer pieces kept as they are."""
    pieces: list[tuple[bool, str]] = []
    pos = 0
    for m in KHMER_RUN.finditer(text):
        if m.start() > pos:
            pieces.append((False, text[pos:m.start()]))
        pieces.extend((True, w) for w in words(m.group()))
        pos = m.end()
    if pos < len(text):
        pieces.append((False, text[pos:]))
    return pieces


def word_bounds(run: str) -> set[int]:
    """Offsets inside ``run`` (a Khmer run) where one word ends and the next begins."""
    out, pos = set(), 0
    for w in words(run)[:-1]:
        pos += len(w)
        out.add(pos)
    return out


@lru_cache(maxsize=1)
def _line_breaker():
    try:
        import icu
    except ImportError:  # a dependency (pyicu-binary): only a broken install lacks it
        from .diagnostics import DocgenError
        raise DocgenError("PyICU is missing: run 'make install' (it installs pyicu-binary)") from None
    return icu.BreakIterator.createLineInstance(icu.Locale("km"))


def _icu_breaks(text: str) -> list[int]:
    bi = _line_breaker()
    bi.setText(text)
    return list(bi)


@lru_cache(maxsize=65536)
def _joins(run: str) -> frozenset[int]:
    """Offsets in ``run`` where ICU's Khmer line breaker, the one LibreOffice uses (and close
    to Word's and Typst's), would break inside one of our words. A joiner there splits
    ICU's dictionary run, so the breaks are looked for again until none is inside a word."""
    bounds = word_bounds(run) | {0, len(run)}
    joins: set[int] = set()
    for _ in range(8):
        text = _with_joins(run, joins)
        before = [0]  # before[i]: run characters before text index i
        for c in text:
            before.append(before[-1] + (c != WORD_JOINER))
        new = set()
        for b in _icu_breaks(text):
            if 0 < b < len(text) and text[b] != WORD_JOINER and text[b - 1] != WORD_JOINER:
                if before[b] not in bounds and before[b] not in joins:
                    new.add(before[b])
        if not new:
            break
        joins |= new
    return frozenset(joins)


def _with_joins(run: str, joins: Iterable[int], spaces: Iterable[int] = ()) -> str:
    joins, spaces = set(joins), set(spaces)
    out = []
    for i, c in enumerate(run):
        if i in spaces:
            out.append(ZERO_WIDTH_SPACE)
        elif i in joins:
            out.append(WORD_JOINER)
        out.append(c)
    return "".join(out)


def protect(run: str, mark_words: bool = False) -> str:
    """``run`` (Khmer characters) with a word joiner wherever a line breaker would break
    inside one of our words, and nowhere else, so the text stays searchable (Word's and
    LibreOffice's Find do not match across a joiner). ``mark_words``: a zero-width space
    between words too (not before a sign such as ។ or ៖)."""
    spaces: set[int] = set()
    if mark_words:
        pos = 0
        for w in words(run):
            if pos and not _TRAILING_SIGN.fullmatch(w):
                spaces.add(pos)
            pos += len(w)
    return _with_joins(run, _joins(run), spaces)


def protect_text(text: str, mark_words: bool = False) -> str:
    """Every Khmer run of ``text`` protected (see protect)."""
    if not KHMER_RUN.search(text):
        return text
    return KHMER_RUN.sub(lambda m: protect(m.group(), mark_words), text)
