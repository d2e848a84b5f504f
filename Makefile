# Two commands on a fresh machine with python3, pip and make: `make demo`, `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.myosleep-installed

.PHONY: install test lint demo bench clean browser

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) scripts/warm_kernels.py
	@touch $(STAMP)

install: $(STAMP)

# The report and the review page are checked in a real headless Chromium (Debian's package;
# the review tests drive it with Playwright's Python package, which downloads no browser).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing Debian's chromium for the report and review tests"; \
	      DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else echo "headless Chromium is needed for the report and review tests: install the 'chromium' package"; exit 1; fi; }

# ruff and mypy on src/ (configured in pyproject.toml): zero findings, then the suite.
lint: install
	$(VENV)/bin/ruff check src
	$(VENV)/bin/mypy

test: install browser lint
	$(PY) -m pytest -q

demo: install
	$(VENV)/bin/myosleep demo

bench: install
	$(PY) benchmarks/bench_detect.py

clean:
	rm -rf $(VENV) myosleep-demo .pytest_cache
