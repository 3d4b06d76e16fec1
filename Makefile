# EUS — `make demo` runs the whole system locally, `make test` lints and runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DATA ?= ./var

.PHONY: demo test test-under-load lint pytest bench bench-ingest bench-snmp bench-footprint bench-install bench-fleet gen setup clean

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "EUS needs Python 3.11 or newer"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[collector,dev]'
	touch $(STAMP)

setup: $(STAMP)

gen: $(STAMP)
	$(BIN)/python scripts/gen_proto.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy agent collector bench scripts tests

# Tests run in parallel worker processes (pytest-xdist): most of them wait on real processes,
# sockets and browsers rather than compute, so three workers keep two cores busy.
PYTEST_WORKERS ?= 3
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS)

pytest: $(STAMP)
	scripts/system-deps.sh test
	$(PYTEST) $(PYTEST_ARGS)

test: lint pytest

# The whole suite with a CPU hog beside it (two workers spinning on a 2-core machine): timing
# tests must hold on a busy machine. The hog is stopped however pytest ends.
LOAD_CPUS ?= 2
test-under-load: $(STAMP)
	scripts/system-deps.sh test
	scripts/system-deps.sh load
	@stress-ng --cpu $(LOAD_CPUS) --quiet & hog=$$!; \
	trap 'kill $$hog 2>/dev/null; wait $$hog 2>/dev/null' EXIT INT TERM; \
	$(PYTEST) $(PYTEST_ARGS)

demo:
	scripts/system-deps.sh demo
	$(MAKE) --no-print-directory setup
	$(BIN)/python -m collector.demo --data $(DEMO_DATA)

# Every benchmark (about 15 minutes); each prints ratios against a baseline run beside it.
bench: bench-ingest bench-snmp bench-footprint bench-install

bench-ingest: $(STAMP)
	scripts/system-deps.sh bench
	$(BIN)/python -m bench.ingest $(BENCH_ARGS)

bench-snmp: $(STAMP)
	scripts/system-deps.sh bench
	$(BIN)/python -m bench.snmp

bench-footprint: $(STAMP)
	scripts/system-deps.sh bench
	$(BIN)/python -m bench.agent_footprint

# Storage at fleet scale (hours on 2 cores); CI size: python -m bench.fleet --devices 20 --days 2
# About a day of a 2-core machine; killed, it goes on with `make bench-fleet BENCH_ARGS=--resume`.
FLEET_WORK ?= var/bench-fleet
bench-fleet: $(STAMP)
	scripts/system-deps.sh bench
	$(BIN)/python -m bench.fleet --devices 1000 --days 30 --work $(FLEET_WORK) $(BENCH_ARGS)

bench-install: $(STAMP)
	$(BIN)/python -m bench.install_size

clean:
	rm -rf $(VENV) var build *.egg-info .mypy_cache .ruff_cache .pytest_cache
