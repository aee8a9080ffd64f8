"""Storage adapters: the only package that imports SQLAlchemy and Alembic.

It implements the ports of :mod:`ceasefire.services.ports` on SQLite (the embedded default)
and PostgreSQL, plus an in-memory store for tests and the data folder's key files.
"""
