"""Text made comparable across scripts and spellings, computed once per distinct string.

``anyascii`` turns Urdu, Pashto, Dari and accented Latin into ASCII; a *skeleton* then drops
what transliterations disagree on (vowels after the first letter, doubled letters, spaces,
``v``/``w``, ``q``/``k``, ``z``/``s``), so "Miranshah", "Miram Shah" and "میرانشاہ" come close.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import Final

from anyascii import anyascii

_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")
_VOWELS: Final = re.compile(r"(?<=.)[aeiouy]")
_DOUBLES: Final = re.compile(r"(.)\1+")
_SOUNDS: Final = str.maketrans({"v": "w", "q": "k", "z": "s", "c": "k"})
_ACTOR_NOISE: Final = frozenset({"government", "of", "the", "forces", "force", "army", "al"})


def ascii_text(text: str) -> str:
    """``text`` in ASCII (unchanged when it already is; cheap then)."""
    return text if text.isascii() else anyascii(text)


@lru_cache(maxsize=65_536)
def words(text: str) -> str:
    """Lower-case ASCII words separated by single spaces."""
    return _NON_ALNUM.sub(" ", ascii_text(text).lower()).strip()


@lru_cache(maxsize=65_536)
def skeleton(name: str) -> str:
    """A place or person name reduced to what its transliterations share."""
    joined = words(name).replace(" ", "").translate(_SOUNDS)
    return _DOUBLES.sub(r"\1", _VOWELS.sub("", joined.replace("kh", "k").replace("ph", "f")))


@lru_cache(maxsize=65_536)
def actor_bits(actor: str) -> int:
    """One bit (of 62) standing for an actor, the same in every process (CRC-32, not hash)."""
    kept = [w for w in words(actor).split() if w not in _ACTOR_NOISE]
    key = skeleton(" ".join(kept) or actor)
    return 1 << (zlib.crc32(key.encode()) % 62)


@lru_cache(maxsize=65_536)
def actors_mask(actors: tuple[str, ...]) -> int:
    """The union of the actors' bits: two reports share an actor when their masks meet."""
    mask = 0
    for actor in actors:
        mask |= actor_bits(actor)
    return mask


_COMMON_WORDS: Final = """
    a an the and or of in on at to from by for with near as into after before over under
    about between during against across along within without while who whom which that this
    these those there their they them he she his her its it was were is are be been being
    has have had will would said says say told according reported reports report sources
    source officials official people person persons local residents resident police
    killed killing kill kills dead death deaths died die martyred injured wounded
    attack attacks attacked attacking clash clashes clashed fighting fight fighters broke
    fire fired firing exchanged exchange shelling targeted target security forces force
    troops soldiers militants militant terrorists terrorist civilians civilian army
    area areas village villages town city district agency tehsil region valley province
    border post posts left least more than several some two three four five six seven
    eight nine ten one crossed
"""
COMMON: Final = frozenset(_COMMON_WORDS.split())
"""Words every report of any event uses (reporting verbs, casualty words, generic places):
they say nothing about *which* event, so distinctive-token similarity leaves them out. A fixed
list, not counts from the reports seen so far, so that a pair scores the same whenever it is
compared."""
TOKEN_BITS: Final = 126
"""Distinctive tokens are hashed into two 63-bit words (non-negative ``int64``)."""


@lru_cache(maxsize=262_144)
def _word_bit(word: str) -> int:
    """The bit of one distinctive word (its skeleton hashed), or 0 for a common word."""
    if len(word) < 3 or word in COMMON or word.isdigit():
        return 0
    return 1 << (zlib.crc32(skeleton(word).encode()) % TOKEN_BITS)


def token_mask(text: str) -> tuple[int, int]:
    """The distinctive tokens of ``text`` (not in ``COMMON``, not numbers, ≥ 3 letters), each
    reduced to its skeleton and hashed to one of ``TOKEN_BITS`` bits, as two 63-bit words."""
    if not text:
        return 0, 0
    plain = text if text.isascii() else anyascii(text)
    mask = 0
    for word in _NON_ALNUM.split(plain.lower()):
        if word:
            mask |= _word_bit(word)
    return mask & _LOW_WORD, mask >> 63


_LOW_WORD: Final = (1 << 63) - 1


@lru_cache(maxsize=65_536)
def name_mask(name: str) -> tuple[int, int]:
    """:func:`token_mask` of a place name, kept by value: the same few thousand names recur
    in every report of a region, where a report's text is its own."""
    return token_mask(name)
