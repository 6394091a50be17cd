# Two commands for a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs every distribution of the repo on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PLUGINS := $(sort $(wildcard plugins/*/pyproject.toml contrib/*/pyproject.toml))
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench compare clean

$(STAMP): pyproject.toml $(PLUGINS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]" $(foreach p,$(PLUGINS),-e $(dir $(p)))
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/soe run examples/order_pipeline.yaml -w order_pipeline -s START \
		--tools examples/order_tools.py \
		--context-json '{"orders": [{"id": "A-1", "amount": 120}, {"id": "B-2", "amount": 30}, {"id": "C-3", "amount": 75}]}'

test: $(STAMP)
	SOE_STRICT_PLUGINS=1 $(PY) -m pytest -q
	$(VENV)/bin/ruff check .

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) benchmarks/chain.py

# ours against soe-ai 0.1.4 and LangGraph (installs both into benchmarks/.venvs on first use)
compare: $(STAMP)
	$(PY) benchmarks/compare.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info plugins/*/*.egg-info contrib/*/*.egg-info
