# Two set-up commands, both working on a fresh Linux machine with Python 3.11+:
#   make demo   - virtualenv, install, run the demo portal on http://*.localhost:8000
#   make test   - virtualenv, install with dev extras, lint and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/beteiligung demo $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest $(ARGS)

bench: $(STAMP)
	$(BIN)/python bench/tenant_provisioning.py
	$(BIN)/python bench/tenant_routing.py

clean:
	rm -rf $(VENV) .var
