"""Configs found valid are remembered by content (CORE-10..22 still hold on every run)."""

from __future__ import annotations

import copy

import pytest
import yaml
from pluggy import HookimplMarker

import soe_core
from soe_core import NodeType, create_all_nodes, create_in_memory_backends, orchestrate
from soe_core.plugins import get_registry, load_plugins
from soe_core.validation import validate_config
from soe_core.validation.memo import ValidConfigs, valid_configs

hookimpl = HookimplMarker("soe")

CHAIN = yaml.safe_load(
    """
main:
  A:
    node_type: router
    event_triggers: [START]
    event_emissions: [{signal_name: NEXT}]
  B:
    node_type: router
    event_triggers: [NEXT]
    event_emissions: [{signal_name: DONE}]
"""
)


class CountingNode:
    """A node type whose validator counts its calls."""

    def __init__(self):
        self.validated = 0

    @hookimpl
    def soe_node_types(self):
        def validate(config):
            self.validated += 1
            if not isinstance(config.get("text"), str):
                raise soe_core.WorkflowValidationError("'text' must be a string")

        def build(wiring):
            return lambda execution_id, config: None

        return [NodeType("counted", validate=validate, build=build)]


def counted(text) -> dict:
    return {"main": {"C": {"node_type": "counted", "event_triggers": ["GO"], "text": text}}}


def run(config) -> str:
    backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends)
    return orchestrate(config, "main", ["GO"], {}, backends, broadcast)


def test_a_config_that_passed_is_not_validated_again(soe_plugins):
    node = CountingNode()
    soe_plugins(node)
    config = counted("hello")
    run(config)
    run(config)
    run(copy.deepcopy(config))  # same content, another object
    assert node.validated == 1


def test_core11_a_config_changed_in_place_is_validated_again(soe_plugins):
    node = CountingNode()
    soe_plugins(node)
    config = counted("hello")
    run(config)
    config["main"]["C"]["text"] = 42  # the same dict object, now invalid
    with pytest.raises(
        soe_core.WorkflowValidationError, match="Workflow 'main', node 'C': 'text' must be a string"
    ):
        run(config)
    assert node.validated == 2


def test_equal_values_of_other_types_are_told_apart():
    # llm_retry_backoff accepts 1 but not True, though 1 == True
    config = {
        "main": {
            "Ask": {
                "node_type": "llm",
                "event_triggers": ["GO"],
                "prompt": "hi",
                "output_field": "answer",
                "llm_retry_backoff": 1,
            }
        }
    }
    validate_config(config)
    config["main"]["Ask"]["llm_retry_backoff"] = True
    with pytest.raises(soe_core.WorkflowValidationError, match="llm_retry_backoff"):
        validate_config(config)


def test_the_memo_belongs_to_the_registry_it_was_checked_against(soe_plugins):
    with_type = soe_plugins(CountingNode())
    config = counted("hello")
    validate_config(config)
    assert config_known(config, with_type)
    without_type = load_plugins()
    assert not config_known(config, without_type)
    with pytest.raises(soe_core.WorkflowValidationError, match="counted"):
        validate_config(config, without_type)


def test_configs_marshal_refuses_are_validated_every_time(soe_plugins):
    class Node(dict):
        pass

    node = CountingNode()
    soe_plugins(node)
    config = {"main": {"C": Node(node_type="counted", event_triggers=["GO"], text="hi")}}
    validate_config(config)
    validate_config(config)
    assert node.validated == 2
    assert ValidConfigs.key(config) is None


def test_only_valid_configs_are_remembered():
    bad = copy.deepcopy(CHAIN)
    del bad["main"]["A"]["event_triggers"]
    for _ in range(2):
        with pytest.raises(soe_core.WorkflowValidationError, match="'event_triggers' is required"):
            validate_config(bad)
    assert not config_known(bad, get_registry())


def test_the_memo_is_bounded_in_entries_and_bytes():
    memo = ValidConfigs(max_entries=2, max_bytes=1_000)
    keys = [ValidConfigs.key({"n": n}) for n in range(3)]
    for key in keys:
        memo.add(key)
    assert keys[0] not in memo and keys[1] in memo and keys[2] in memo
    big = ValidConfigs.key({"text": "x" * 600})
    memo.add(big)  # 600 bytes more: the older entries go until it fits
    assert big in memo and len(memo) <= 2
    memo.add(ValidConfigs.key({"text": "y" * 2_000}))  # larger than the whole memo
    assert big in memo and len(memo) <= 2


def test_a_repeated_run_gives_the_same_result():
    first, second = run_chain(), run_chain()
    assert first == second == ["START", "NEXT", "DONE"]


def run_chain() -> list:
    backends = create_in_memory_backends()
    _nodes, broadcast = create_all_nodes(backends)
    execution_id = orchestrate(CHAIN, "main", ["START"], {}, backends, broadcast)
    return backends.context.get_context(execution_id)["__operational__"]["signals"]


def config_known(config, registry) -> bool:
    return ValidConfigs.key(config) in valid_configs(registry)
