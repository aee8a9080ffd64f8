"""The signed, append-only Merkle log: RFC 9162 hashing and proofs, C2SP notes and checkpoints.

This package knows nothing of ceasefires. It imports only the standard library, ``cryptography``,
PyNaCl (libsodium) and ``rfc8785`` (canonical JSON), and never reads the clock: callers pass the
time in. One module does I/O: ``signature_worker`` runs a child process that verifies a large
batch's signatures beside the caller.
"""
