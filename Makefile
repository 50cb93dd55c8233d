# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make reports   renders every report for params/demo.yaml into outputs/demo/<period>/
#   make test      runs the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.salesnb-installed
DEMO   := data/demo/ground_truth.json

.PHONY: install reports maven test calibrate lint lab bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "salesnb needs Python 3.11+, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/salesnb kernel
	touch $(STAMP)

$(DEMO): $(STAMP) salesnb/demo.py
	$(BIN)/salesnb demo --out data/demo

reports: $(STAMP) $(DEMO)
	$(BIN)/salesnb run params/demo.yaml --jobs 2

maven: $(STAMP)
	$(BIN)/salesnb run params/maven.yaml

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

calibrate: $(STAMP)
	$(BIN)/python -m tests.calibration

lint: $(STAMP)
	$(BIN)/ruff check salesnb tests

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_load.py --deals 1000000
	$(BIN)/python benchmarks/bench_funnel.py --deals 1000000

clean:
	rm -rf $(VENV) outputs/*/ data/demo
