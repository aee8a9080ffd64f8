"""What a file is: its media type, sniffed from the content, and the names that may go with it.

The media type is sniffed from the content (magic numbers), never taken from a file name; a name
that says otherwise is refused, because a mislabelled file misleads whoever opens it. This
module is pure: it looks at bytes it is given and reads no file.
"""

from __future__ import annotations

import codecs
import re
from typing import Final

from ceasefire.errors import InvalidInput

SNIFF_BYTES: Final = 64
"""How many leading bytes :func:`sniff` looks at."""

IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff"})
"""Images ``ceasefire.media`` decodes (HEIC is accepted and stored, but not decoded)."""

MEDIA_TYPES: Final = IMAGE_TYPES | {
    "image/heic",
    "application/pdf",
    "video/mp4",
    "video/quicktime",
    "audio/mpeg",
    "audio/wav",
    "audio/ogg",
    "application/zip",
    "text/plain",
}
"""Every type the locker accepts: what :func:`sniff` can return."""

_MAGIC: Final = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
    (b"OggS", "audio/ogg"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"ID3", "audio/mpeg"),
)
_RIFF_FORMS: Final = {b"WEBP": "image/webp", b"WAVE": "audio/wav"}
_HEIC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1"})
_VIDEO_BRANDS: Final = {
    **dict.fromkeys(
        (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V "),
        "video/mp4",
    ),
    b"qt  ": "video/quicktime",
}
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_EXTENSIONS: Final = {
    **dict.fromkeys(("jpg", "jpeg", "jpe", "jfif"), "image/jpeg"),
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    **dict.fromkeys(("tif", "tiff"), "image/tiff"),
    **dict.fromkeys(("heic", "heif"), "image/heic"),
    "pdf": "application/pdf",
    **dict.fromkeys(("mp4", "m4v"), "video/mp4"),
    "mov": "video/quicktime",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    **dict.fromkeys(("ogg", "oga", "opus"), "audio/ogg"),
    "zip": "application/zip",
    "txt": "text/plain",
}


def sniff(head: bytes) -> str:
    """The media type of a file from its first :data:`SNIFF_BYTES` bytes (magic numbers).

    Plain text (valid UTF-8 without NUL bytes) is the last resort. Anything else is refused.
    """
    if not head:
        raise InvalidInput("the file is empty: not a type the locker accepts", field="file")
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    found = _riff(head) or _ftyp(head) or _mpeg_audio(head) or _text(head)
    if found is None:
        raise InvalidInput(
            f"the content (starting {head[:8].hex(' ')}) is not a type the locker accepts: "
            f"{', '.join(sorted(MEDIA_TYPES))}",
            field="file",
        )
    return found


def _riff(head: bytes) -> str | None:
    return _RIFF_FORMS.get(head[8:12]) if head.startswith(b"RIFF") else None


def _ftyp(head: bytes) -> str | None:
    """ISO base media files (MP4, QuickTime, HEIC) by the brands of their leading ftyp box."""
    if head[4:8] != b"ftyp":
        return None
    major = head[8:12]
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    compatible = {head[i : i + 4] for i in range(16, box_end - 3, 4)}
    if major in _HEIC_BRANDS and not compatible & _AVIF_BRANDS:
        return "image/heic"
    if major in _VIDEO_BRANDS:
        return _VIDEO_BRANDS[major]
    # Some encoders put an exotic major brand first and a common one among the compatible.
    return next((_VIDEO_BRANDS[b] for b in sorted(compatible) if b in _VIDEO_BRANDS), None)


def _mpeg_audio(head: bytes) -> str | None:
    """An MPEG audio frame header: 11 sync bits, then no reserved version, layer or rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    valid = version != 1 and layer != 0 and bitrate != 15 and rate != 3
    return "audio/mpeg" if valid else None


def _text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    try:
        # Not final: the head may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return "text/plain"


_HIDDEN: Final = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters, and the marks that reorder text: ``photo\u202egpj.exe`` shows as
``photoexe.jpg``, and a line break in a name ends a header line wherever the name is sent."""


def check_file_name(name: str, field: str = "name") -> None:
    """Refuse a file name that hides what it is: a control character or a bidirectional mark."""
    hidden = _HIDDEN.search(name)
    if hidden is not None:
        raise InvalidInput(
            f"a file name may not hold control characters or bidirectional marks: found "
            f"U+{ord(hidden.group()):04X} at position {hidden.start()}",
            field=field,
        )


def check_name(name: str, media_type: str) -> None:
    """Refuse a file name whose extension says another type than the content, or that hides
    what it is (:func:`check_file_name`).

    A name without an extension, or with one we do not know, says nothing and passes.
    """
    check_file_name(name)
    base = re.split(r"[/\\]", name)[-1].lstrip(".")
    extension = base.rpartition(".")[2].lower() if "." in base else ""
    expected = _EXTENSIONS.get(extension)
    if expected is not None and expected != media_type:
        raise InvalidInput(
            f"the name {name} says {expected}, the content is {media_type}", field="name"
        )
