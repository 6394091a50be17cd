"""Entry point of soe-compat: no hooks, listed so ``soe plugins`` shows it."""
