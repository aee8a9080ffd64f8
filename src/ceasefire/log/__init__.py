"""The signed, append-only Merkle log: RFC 9162 hashing and proofs, C2SP notes and checkpoints.

This package knows nothing of ceasefires. It imports only the standard library, ``cryptography``
and ``rfc8785`` (canonical JSON), and never reads the clock: callers pass the time in.
"""
