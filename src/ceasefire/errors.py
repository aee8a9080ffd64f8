"""The one error root of ceasefire, with machine-readable codes.

Every failure the mechanism reports is a :class:`CeasefireError` carrying a stable ``code``
(for scripts and the API), a human message, and where it applies the ``field`` or position at
fault. Each edge maps these once: the CLI to exit codes, the API (later) to HTTP problems.
Nothing below the edges knows about HTTP or exit codes.

    CeasefireError
    ├── InvalidInput          malformed data from outside (a note, key, proof, batch line, body)
    ├── NotFound              the thing asked for does not exist (an index past the end, a key)
    ├── Conflict              the request clashes with the record (store exists, duplicate)
    ├── PermissionDenied      the signer may not do this (unknown, revoked or unauthorised key)
    ├── VerificationError     a proof, signature or stored record does not check out
    │   └── TamperingDetected the stored log disagrees with itself at a named position
    └── StorageError          the database or data folder cannot be used as configured
"""

from __future__ import annotations


class CeasefireError(Exception):
    """Root of every error ceasefire raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(CeasefireError):
    code = "invalid_input"


class NotFound(CeasefireError):
    code = "not_found"


class Conflict(CeasefireError):
    code = "conflict"


class PermissionDenied(CeasefireError):
    code = "permission_denied"


class VerificationError(CeasefireError):
    code = "verification_failed"


class TamperingDetected(VerificationError):
    """The stored log contradicts itself; ``index`` names the first bad position."""

    code = "tampering_detected"

    def __init__(
        self, message: str, *, index: int | None = None, expected: str = "", found: str = ""
    ) -> None:
        super().__init__(message)
        self.index = index
        self.expected = expected
        self.found = found


class StorageError(CeasefireError):
    code = "storage_error"
