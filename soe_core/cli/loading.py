"""Turning command-line arguments into engine inputs."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import click

from ..errors import PluginError
from ..tools import tools_registry_from_packs
from ..yaml_parser import parse_yaml


def parse_context(pairs: tuple[str, ...], context_json: str | None) -> dict:
    """``-c key=value`` pairs (values read as YAML scalars) over ``--context-json``."""
    context: dict = {}
    if context_json:
        try:
            loaded = json.loads(context_json)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"not valid JSON: {exc}", param_hint="--context-json")
        if not isinstance(loaded, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--context-json")
        context.update(loaded)
    context.update(parse_pairs(pairs, "-c"))
    return context


def parse_pairs(pairs: tuple[str, ...], option: str) -> dict:
    """``key=value`` strings into a dict; values are read as YAML scalars (``n=3`` is 3)."""
    parsed: dict = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected key=value, got {pair!r}", param_hint=option)
        try:
            parsed[key] = parse_yaml(raw) if raw else ""
        except ValueError:
            parsed[key] = raw
    return parsed


def load_tools(specs: tuple[str, ...]) -> dict | None:
    """Build a tools registry from pack names, ``file.py`` paths or ``module:attr``."""
    if not specs:
        return None
    registry: dict = {}
    for spec in specs:
        registry.update(_load_one(spec))
    return registry


def _load_one(spec: str) -> dict:
    if spec.endswith(".py"):
        path = Path(spec)
        if not path.is_file():
            raise click.BadParameter(f"no such file: {spec}", param_hint="--tools")
        module_spec = importlib.util.spec_from_file_location(f"soe_tools_{path.stem}", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return _registry_from(module, spec, "TOOLS")
    if ":" in spec:
        module_name, _, attr = spec.partition(":")
        return _registry_from(importlib.import_module(module_name), spec, attr)
    try:
        return tools_registry_from_packs([spec])
    except PluginError as exc:
        raise click.BadParameter(str(exc), param_hint="--tools")


def _registry_from(module: Any, spec: str, attr: str) -> dict:
    registry = getattr(module, attr, None)
    if not isinstance(registry, dict):
        raise click.BadParameter(
            f"{spec}: expected a dict named {attr!r} mapping tool names to functions",
            param_hint="--tools",
        )
    return registry
