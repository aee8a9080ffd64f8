"""Place names reduced to one spelling, so that transliterations and scripts meet.

"Spin Boldak", "Spīn Bōldak", "SPIN-BOLDAK" and "سپين بولدک" are spellings of one place. Names
are compared by their :func:`name_key`: compatibility-decomposed (NFKD), combining marks
dropped, transliterated to ASCII (``anyascii``: Arabic-script names lose their short vowels, so
"سپين بولدک" becomes "spyn bwldk" — the gazetteer indexes every alternate name GeoNames gives,
script ones included, which is how the script spelling still finds the place), case-folded,
with everything but letters and digits dropped, so spaces, hyphens and apostrophes do not count.
An ampersand is the word "and" ("Azad Jammu & Kashmir").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from anyascii import anyascii

_NOT_WORD: Final = re.compile(r"[^a-z0-9]+")


def normalise(name: str) -> str:
    """The name as lower-case ASCII words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", name.replace("&", " and "))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", anyascii(bare).casefold()).strip()


def name_key(name: str) -> str:
    """The key names are matched on: :func:`normalise` without the spaces."""
    return normalise(name).replace(" ", "")
