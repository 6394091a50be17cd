"""Private copies of stored values (CORE-89, CORE-90): ``copy_value`` and ``copy_large``."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from soe_backends_local import create_in_memory_backends

from soe_core.context import copy_large, copy_value


class Tag(str):
    pass


VALUES = [
    {"wf": {"A": {"node_type": "router", "event_triggers": ["X"], "retries": 1.5}}},
    [1, True, None, "s", {"k": (1, 2)}, {1, 2}],
    {"subclass": Tag("x"), "ordered": OrderedDict(a=1)},  # marshal refuses these
    {"flag": True, "one": 1, "real": 1.0},
]


@pytest.mark.parametrize("copier", [copy_value, copy_large])
@pytest.mark.parametrize("value", VALUES)
def test_a_copy_is_equal_typed_alike_and_shares_no_container(copier, value):
    copied = copier(value)
    assert copied == value
    assert _shape(copied) == _shape(value)
    assert not (_containers(copied) & _containers(value))


def test_copy_large_keeps_order_and_exact_types():
    registry = {"wf": {"B": {"n": True}, "A": {"n": 1}}}
    copied = copy_large(registry)
    assert list(copied["wf"]) == ["B", "A"]
    assert copied["wf"]["B"]["n"] is True and type(copied["wf"]["A"]["n"]) is int


def test_core90_memory_registry_is_a_copy_on_save_and_on_get():
    backends = create_in_memory_backends()
    registry = {"wf": {"A": {"node_type": "router", "event_triggers": ["X"]}}}
    backends.workflow.save_workflows_registry("run", registry)
    registry["wf"]["A"]["event_triggers"].append("Y")
    got = backends.workflow.get_workflows_registry("run")
    assert got["wf"]["A"]["event_triggers"] == ["X"]
    got["wf"]["A"]["event_triggers"].clear()
    assert backends.workflow.get_workflows_registry("run")["wf"]["A"]["event_triggers"] == ["X"]


def _shape(value):
    if isinstance(value, dict):
        return (type(value), [(key, _shape(item)) for key, item in value.items()])
    if isinstance(value, (list, tuple, set)):
        return (type(value), [_shape(item) for item in value])
    return type(value)


def _containers(value, found=None):
    found = set() if found is None else found
    if isinstance(value, (dict, list, set)):
        found.add(id(value))
        for item in value.values() if isinstance(value, dict) else value:
            _containers(item, found)
    return found
