# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-slow lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# The flagship job on built-in defaults.
run: $(STAMP)
	$(BIN)/colliderax generate "p p > t t~" --sqrts 13000 --events 10000 --out run_ttbar

# The fast suite (what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q

# Everything marked slow.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m "slow" -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/me_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
