"""A bulk import runs the garbage collector's young generation less often, and puts the
process's setting back however the import ends."""

from __future__ import annotations

import gc

import pytest

from ceasefire.errors import InvalidInput
from ceasefire.services.imports import fewer_collections


def test_the_collector_setting_is_raised_for_the_import_and_put_back() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        during = gc.get_threshold()
    assert during[0] > before[0] and during[1:] == before[1:]
    assert gc.get_threshold() == before


def test_the_setting_is_put_back_when_the_import_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(InvalidInput), fewer_collections():
        raise InvalidInput("a bad file", field="file")
    assert gc.get_threshold() == before
