# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make reports   renders every report for params/demo.yaml into outputs/demo/<period>/
#   make test      runs the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.salesnb-installed
DEMO   := data/demo/ground_truth.json

.PHONY: install reports maven test calibrate lint lab docs bench clean

install: $(STAMP)

# Reinstalls when the dependencies or this recipe change. The lab extra (JupyterLab) is part of the default install.
$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "salesnb needs Python 3.11+, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lab]"
	$(BIN)/salesnb kernel
	touch $(STAMP)

$(DEMO): $(STAMP) $(wildcard salesnb/demo/*.py)
	$(BIN)/salesnb demo --out data/demo

reports: $(STAMP) $(DEMO)
	$(BIN)/salesnb run params/demo.yaml --jobs 2

maven: $(STAMP)
	$(BIN)/salesnb run params/maven.yaml

# One BLAS thread per worker: two workers on two cores, each with a multi-threaded BLAS, oversubscribe.
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadgroup -q --durations=40

calibrate: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m tests.calibration

# pre-commit's hooks (.pre-commit-config.yaml) over every file: ruff check and format (package, tests,
# notebooks), notebooks without outputs. `$(BIN)/pre-commit install` runs them before each commit.
lint: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pre-commit run --all-files --show-diff-on-failure

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# Rewrite the generated reference pages (docs/metrics*.md, docs/params.md, docs/params.schema.json).
docs: $(STAMP)
	$(BIN)/python -m salesnb.run.docs

# About half an hour: demo (median of 3 warm runs), funnel metrics and snapshot at 1 M, all reports at 1 M,
# check and funnel memory at 5 M, a PostgreSQL source at 500 k (`--no-scale` skips the whole-run rows).
bench: $(STAMP) $(DEMO)
	$(BIN)/python benchmarks/suite.py --deals 1000000 --out docs/benchmarks.md

clean:
	rm -rf $(VENV) outputs/*/ data/demo
