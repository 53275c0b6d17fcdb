# Two set-up commands, both working on a fresh Linux machine with Python 3.11+:
#   make demo   - virtualenv, install, run the demo portal on http://*.localhost:8000
#   make test   - virtualenv, install with dev extras, lint and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/beteiligung demo $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint browser
	$(BIN)/pytest $(ARGS)

# UI tests drive Debian's Chromium; install it when it is missing and we may (root + apt).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
				|| echo "Could not install chromium: the browser tests will report as skipped"; \
		else \
			echo "Browser tests need chromium and chromium-driver (apt-get install chromium chromium-driver)"; \
		fi; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/tenant_provisioning.py
	$(BIN)/python bench/tenant_routing.py
	$(BIN)/python bench/events_rush.py

clean:
	rm -rf $(VENV) .var
