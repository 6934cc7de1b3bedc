# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gristmill demo --out out/demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/pytest -q

# Debian's chromium, for the test that renders report.html (the test runs this too when it is missing).
chromium:
	tools/install_chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

# Peers live in their own environment so their pins never shape gristmill's.
BENCH_VENV := .venv-bench
# Each benchmarks/requirements-*.txt lists the peers one benchmark runs against.
BENCH_REQS := $(wildcard benchmarks/requirements-*.txt)
$(BENCH_VENV)/.installed: $(BENCH_REQS) pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet $(foreach r,$(BENCH_REQS),-r $(r))
	$(BENCH_VENV)/bin/pip install --quiet -e '.[all]'
	touch $(BENCH_VENV)/.installed

# Every benchmarks/*.py runs peers and gristmill side by side and prints the ratios.
bench: $(BENCH_VENV)/.installed
	for script in benchmarks/*.py; do $(BENCH_VENV)/bin/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(BENCH_VENV) out build src/*.egg-info
