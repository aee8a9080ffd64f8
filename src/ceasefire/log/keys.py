"""Ed25519 keys and their C2SP text forms (`c2sp.org/signed-note`).

A *verifier key* (``vkey``) is ``<name>+<8 hex key id>+base64(type || public key)``; the key id is
``SHA-256(name || 0x0A || type || public key)[:4]`` read big-endian. Type ``0x01`` keys sign notes
(checkpoints), type ``0x04`` keys make witness cosignatures (``cosignature/v1``). The same
Ed25519 key pair yields one vkey of each type, with different key ids.

A *signing key* file uses the Go ``golang.org/x/mod/sumdb/note`` private key text,
``PRIVATE+KEY+<name>+<8 hex key id>+base64(0x01 || 32-byte seed)``, so that keys move between
this code and the wider transparency-log tooling unchanged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ceasefire.errors import InvalidInput

ED25519_NOTE: Final = 0x01
ED25519_COSIGNATURE: Final = 0x04
ED25519_KEY_SIZE: Final = 32
ED25519_SIGNATURE_SIZE: Final = 64
_PRIVATE_PREFIX: Final = "PRIVATE+KEY+"
_KNOWN_TYPES: Final = frozenset({ED25519_NOTE, ED25519_COSIGNATURE})


def check_key_name(name: str) -> str:
    """A key name is non-empty, printable, and has no spaces and no ``+`` (C2SP signed-note)."""
    if not name:
        raise InvalidInput("a key name must not be empty", field="name")
    if any(c.isspace() or c == "+" or not c.isprintable() for c in name):
        raise InvalidInput(
            f"key name {name!r} must not contain spaces, '+' or control characters", field="name"
        )
    return name


def key_id(name: str, key_type: int, public_key: bytes) -> int:
    """``SHA-256(name || 0x0A || type || public key)[:4]`` as a big-endian integer."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def verify_ed25519(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message``; never raises."""
    if len(public_key) != ED25519_KEY_SIZE or len(signature) != ED25519_SIGNATURE_SIZE:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{what} is not valid base64: {exc}", field=what) from exc


@dataclass(frozen=True)
class VerifierKey:
    """A named public key of a known type, as published in a C2SP vkey."""

    name: str
    key_type: int
    public_key: bytes
    key_id: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if self.key_type not in _KNOWN_TYPES:
            raise InvalidInput(
                f"unsupported key type 0x{self.key_type:02x}: expected 0x01 (Ed25519) or "
                "0x04 (Ed25519 cosignature/v1)",
                field="key_type",
            )
        if len(self.public_key) != ED25519_KEY_SIZE:
            raise InvalidInput(
                f"an Ed25519 public key is {ED25519_KEY_SIZE} bytes, found {len(self.public_key)}",
                field="public_key",
            )
        object.__setattr__(self, "key_id", key_id(self.name, self.key_type, self.public_key))

    @classmethod
    def from_text(cls, text: str) -> VerifierKey:
        """Parse ``<name>+<hex id>+<base64>``, splitting at the first two ``+`` only."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise InvalidInput(
                f"a verifier key has the form <name>+<hex key id>+<base64 key>, found {text!r}",
                field="vkey",
            )
        name, hex_id, encoded = parts
        if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
            raise InvalidInput(
                f"the key id of a verifier key is 8 lowercase hex digits, found {hex_id!r}",
                field="vkey",
            )
        raw = _b64decode(encoded, "vkey")
        if len(raw) < 1:
            raise InvalidInput("the verifier key holds no key bytes", field="vkey")
        key = cls(name=name, key_type=raw[0], public_key=raw[1:])
        if key.key_id != int(hex_id, 16):
            raise InvalidInput(
                f"verifier key id mismatch: the text says {hex_id}, the key hashes to "
                f"{key.key_id:08x}",
                field="vkey",
            )
        return key

    def to_text(self) -> str:
        encoded = base64.b64encode(bytes([self.key_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Verify a note signature (type 0x01) over ``message``; other key types never verify
        here, so a cosignature key cannot be mistaken for a log key."""
        if self.key_type != ED25519_NOTE:
            return False
        return verify_ed25519(self.public_key, message, signature)


@dataclass(frozen=True, repr=False)
class SigningKey:
    """A named Ed25519 private key. ``repr`` never shows the seed."""

    name: str
    seed: bytes
    _private: Ed25519PrivateKey = field(init=False, compare=False)
    public_key: bytes = field(init=False, compare=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.seed) != ED25519_KEY_SIZE:
            raise InvalidInput(
                f"an Ed25519 seed is {ED25519_KEY_SIZE} bytes, found {len(self.seed)}", field="seed"
            )
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        object.__setattr__(self, "_private", private)
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        object.__setattr__(self, "public_key", public)

    def __repr__(self) -> str:
        return f"SigningKey(name={self.name!r}, key_id={self.note_key().key_id:08x})"

    @classmethod
    def generate(cls, name: str) -> SigningKey:
        return cls(name=name, seed=os.urandom(ED25519_KEY_SIZE))

    @classmethod
    def from_text(cls, text: str) -> SigningKey:
        """Parse ``PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)``."""
        stripped = text.strip()
        if not stripped.startswith(_PRIVATE_PREFIX):
            raise InvalidInput(  # never echo the text: it may be a bare secret
                "a private key file starts with 'PRIVATE+KEY+'", field="key"
            )
        parts = stripped[len(_PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise InvalidInput(
                "a private key has the form PRIVATE+KEY+<name>+<hex id>+<base64>", field="key"
            )
        name, hex_id, encoded = parts
        raw = _b64decode(encoded, "key")
        if len(raw) != 1 + ED25519_KEY_SIZE or raw[0] != ED25519_NOTE:
            raise InvalidInput(
                "a private key holds 0x01 and a 32-byte Ed25519 seed, found "
                f"{len(raw)} bytes of type 0x{raw[0] if raw else 0:02x}",
                field="key",
            )
        key = cls(name=name, seed=raw[1:])
        if f"{key.note_key().key_id:08x}" != hex_id:
            raise InvalidInput(
                f"private key id mismatch: the text says {hex_id}, the key hashes to "
                f"{key.note_key().key_id:08x}",
                field="key",
            )
        return key

    def to_text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519_NOTE]) + self.seed).decode()
        return f"{_PRIVATE_PREFIX}{self.name}+{self.note_key().key_id:08x}+{encoded}"

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def note_key(self) -> VerifierKey:
        """The verifier key for note (checkpoint) signatures, type 0x01."""
        return VerifierKey(self.name, ED25519_NOTE, self.public_key)

    def cosignature_key(self) -> VerifierKey:
        """The verifier key for witness cosignatures, type 0x04."""
        return VerifierKey(self.name, ED25519_COSIGNATURE, self.public_key)
