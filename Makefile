# Two commands on a fresh machine with python3, pip and make: `make demo`, `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.myosleep-installed

.PHONY: install test demo bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

test: install
	$(PY) -m pytest -q

demo: install
	$(VENV)/bin/myosleep demo

bench: install
	$(PY) benchmarks/bench_detect.py

clean:
	rm -rf $(VENV) myosleep-demo .pytest_cache
