# Two commands do everything (see README):
#   make figures   reproduce every paper figure into figures/
#   make test      run the whole test suite (what CI runs)
#   make check     the inner loop: lint, then the suite without the slow tests
#   make quick     every figure at low resolution into build/figures-quick/ (git-ignored;
#                  the committed figures/ change only with make figures)
# Both bootstrap a local virtual environment in .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: figures test check quick lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

figures: $(STAMP)
	$(BIN)/binding-sim figures

test: $(STAMP)
	BINDING_SIM_DERANDOMIZE=1 $(BIN)/python -m pytest -n 2

check: $(STAMP)
	$(BIN)/ruff check binding_sim tests experiments benchmarks
	$(BIN)/python -m pytest -n 2 -q -m 'not slow'

quick: $(STAMP)
	$(BIN)/binding-sim figures --quick

lint: $(STAMP)
	$(BIN)/ruff check binding_sim tests experiments benchmarks
	$(BIN)/ruff format --check binding_sim tests experiments benchmarks
	$(BIN)/mypy binding_sim

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
