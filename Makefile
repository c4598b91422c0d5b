# The only entry points a newcomer needs: make demo, make test, make bench.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PACKAGES := packages/core packages/ssl packages/classification packages/segmentation packages/viz apps/cli
STAMP := $(VENV)/.hw1-installed
DIST_TOOLS := 'build>=1.0' 'hatchling>=1.21'
DIST_DIR ?= dist
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
PYTEST_ARGS ?=
DEMO_OUT ?= runs/demo
# OpenMP threads that spin while waiting steal the CPU from DataLoader workers on small machines
# (training steps measured up to 10x slower on 2 cores); passive waiting costs nothing measurable.
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: help setup demo test test-fast bench bench-quick lint format constraints dist clean

help:
	@echo "make demo   - set up .venv if missing, then run the whole study on generated data (runs/demo)"
	@echo "make test   - set up .venv if missing, then run every package's tests and the end-to-end tests"
	@echo "make bench  - performance suite (bench-quick: the short version), writes benchmarks/results.md"
	@echo "make dist   - a wheel and an sdist of every package in dist/ (pip install --find-links dist 'hw1-cli[all]')"

setup: $(STAMP)

# pip (not uv/poetry): it takes torch/torchvision from this machine's local wheels.
# build + hatchling: make dist, and tests/test_dist.py which builds the wheels without network.
$(STAMP): constraints.txt $(PYPROJECTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		$(foreach p,$(PACKAGES),-e '$(p)[test]') $(DIST_TOOLS)
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/hw1 demo --out-dir $(DEMO_OUT)

test: $(STAMP)
	$(PY) -m pytest $(PACKAGES) tests $(PYTEST_ARGS)

# Everything but the end-to-end tests marked slow.
test-fast: $(STAMP)
	$(PY) -m pytest $(PACKAGES) tests -m "not slow" $(PYTEST_ARGS)

BENCH_STAMP := $(VENV)/.hw1-bench-installed
$(BENCH_STAMP): $(STAMP) benchmarks/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -r benchmarks/requirements.txt
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) benchmarks/run.py

bench-quick: $(BENCH_STAMP)
	$(PY) benchmarks/run.py --quick

# Lint and formatting are enforced: CI runs `make lint` before `make test`. `make format` fixes.
RUFF_PATHS := packages apps tests benchmarks scripts conftest.py
RUFF := $(VENV)/bin/ruff
$(RUFF): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check ruff==0.17.6

lint: $(RUFF)
	$(RUFF) check $(RUFF_PATHS)
	$(RUFF) format --check $(RUFF_PATHS)

format: $(RUFF)
	$(RUFF) format $(RUFF_PATHS)
	$(RUFF) check --fix $(RUFF_PATHS)

# Re-pin the exact versions the suite runs with, from the current .venv.
constraints: $(STAMP)
	{ head -n 2 constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v -e '^hw1' -e '^ruff=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

# Wheels and sdists of every package, installable without the workspace:
#   pip install --find-links dist hw1-segmentation
dist: $(STAMP)
	@$(PY) -m pip install --quiet --disable-pip-version-check $(DIST_TOOLS)
	$(PY) scripts/build_dist.py --out-dir $(DIST_DIR)

clean:
	rm -rf $(VENV) .pytest_cache runs dist
