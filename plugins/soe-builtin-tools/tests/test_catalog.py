"""The ``soe-builtins`` pack is registered from a table, its modules imported on use.

Spec 03: BUILTIN-1 (names, order), BUILTIN-2 (bound per call), BUILTIN-3
(public factories); issue #9 (loading the plugin imports no tool module).
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import soe_builtin_tools
from soe_builtin_tools.catalog import BUILTINS, factory_of
from soe_builtin_tools.hooks import BUILTIN_PACK, soe_tools
from soe_builtin_tools.names import BUILTIN_NAMES

from soe_core import create_in_memory_backends


def _first_paragraph(function) -> str:
    doc = inspect.getdoc(function) or ""
    return doc.split("\n\n", 1)[0].replace("\n", " ")


def test_builtin1_table_order_and_descriptions_match_the_tools():
    assert tuple(BUILTINS) == BUILTIN_NAMES
    for name, (module, description) in BUILTINS.items():
        factory = factory_of(name)
        assert factory.__module__ == f"soe_builtin_tools.{module}"
        bound = factory(execution_id="", backends=None, tools_registry={})
        assert description == _first_paragraph(bound), name


def test_builtin2_pack_factories_bind_like_the_real_ones():
    backends = create_in_memory_backends()
    assert soe_tools() == [BUILTIN_PACK] and soe_tools()[0] is BUILTIN_PACK
    for tool in BUILTIN_PACK.tools:
        assert tool.factory.__name__ == f"create_{tool.name}_tool"
        bound = tool.factory(execution_id="e", backends=backends, tools_registry={})
        real = factory_of(tool.name)(execution_id="e", backends=backends, tools_registry={})
        assert bound.__name__ == real.__name__ == tool.name
        assert inspect.signature(bound) == inspect.signature(real)


def test_builtin3_every_public_name_resolves():
    for name in soe_builtin_tools.__all__:
        assert getattr(soe_builtin_tools, name) is not None, name
    assert soe_builtin_tools.BUILTIN_TOOLS["soe_call_tool"] is factory_of("soe_call_tool")
    try:
        soe_builtin_tools.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("unknown names must raise AttributeError")


def test_issue9_loading_the_plugin_imports_no_tool_module():
    code = (
        "import sys, soe_builtin_tools.hooks as hooks\n"
        "assert len(hooks.soe_tools()[0].tools) == 19\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('soe_builtin_tools.'))\n"
        "assert loaded == ['soe_builtin_tools.catalog', 'soe_builtin_tools.hooks',"
        " 'soe_builtin_tools.names'], loaded\n"
        "assert 'jinja2' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
