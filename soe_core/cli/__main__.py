"""``python -m soe_core.cli``: the ``soe`` command without the console script."""

from . import main

main(prog_name="soe")
