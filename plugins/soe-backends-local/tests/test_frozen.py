"""The frozen form of event payloads (CORE-80, CORE-89): private, untracked, thawed as JSON."""

from __future__ import annotations

import gc

import pytest
from soe_backends_local.frozen import frozen, thawed

PAYLOADS = [
    {},
    {"node_name": "A", "node_type": "router"},
    {"signals": ["A", "B"]},
    {"tool": "t", "arguments": {"n": 1, "rows": [{"x": [1, (2,)]}]}, "result": None},
    {"tuple": (1, 2), "empty": [], "nested_empty": {}},
    [1, {"a": [2]}],
    "text",
    3.5,
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_thawed_gives_the_payload_back_with_lists(payload):
    expected = _as_json(payload)
    assert thawed(frozen(payload)) == expected


@pytest.mark.parametrize("payload", [PAYLOADS[2], PAYLOADS[4]])
def test_shallow_payloads_are_untracked_by_young_collections(payload):
    kept = frozen(payload)
    gc.collect(0)
    gc.collect(1)
    assert not any(gc.is_tracked(part) for part in _parts(kept))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_deep_payloads_are_untracked_in_the_end(payload):
    # one level per collection at worst; a tuple holding a dict never would be
    kept = frozen(payload)
    for _ in range(6):
        gc.collect()
    assert not any(gc.is_tracked(part) for part in _parts(kept))


def test_a_payload_is_kept_as_one_untracked_private_encoding():
    payload = {"node_name": "A", "signals": ["X"]}
    kept = frozen(payload)
    payload["node_name"] = "B"
    payload["signals"].append("Y")
    assert type(kept) is bytes and not gc.is_tracked(kept)
    assert thawed(kept) == {"node_name": "A", "signals": ["X"]}


class Tagged(dict):
    """A dict subclass: marshal refuses it, so its payload is frozen into tuples."""


@pytest.mark.parametrize(
    "payload",
    [
        {"node_name": "A", "tagged": Tagged(rows=[1, 2])},
        {"tagged": Tagged(a=1), "rows": [[1, (2,)]], "blob": b"raw"},
        [Tagged(a=1), {"b": [2]}],
    ],
)
def test_payloads_marshal_refuses_are_frozen_into_tuples(payload):
    kept = frozen(payload)
    assert type(kept) is tuple
    assert thawed(kept) == _as_json(payload)
    assert thawed(kept) is not payload


def test_thawed_copies_are_the_readers_own():
    kept = frozen({"rows": [[1]]})
    first = thawed(kept)
    first["rows"][0].append(2)
    assert thawed(kept) == {"rows": [[1]]}


def test_an_object_that_cannot_be_copied_is_kept_as_it_is():
    class Stubborn:
        def __deepcopy__(self, memo):
            raise TypeError("no")

    thing = Stubborn()
    assert thawed(frozen({"thing": thing}))["thing"] is thing


def _as_json(value):
    if type(value) is dict:
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json(item) for item in value]
    return value


def _parts(value):
    yield value
    if isinstance(value, tuple):
        for item in value:
            yield from _parts(item)
