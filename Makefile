# The two commands of the README: `make run` and `make test`.
# Everything runs in .venv, created on demand with the first python3 found.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
REPORTS := reports

.PHONY: run test lint typecheck unit bench fuzz policypack clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@# bytecode, as a wheel install has it (start-up pays for compiling otherwise)
	$(BIN)/python -m compileall -q src
	@touch $(STAMP)

## make run: check the sample contracts repository, show the report, write JUnit and SARIF.
run: $(STAMP)
	@mkdir -p $(REPORTS)
	@cd examples/contracts && ../../$(BIN)/vendorpolicy check \
		--output junit=../../$(REPORTS)/vendorpolicy.junit.xml \
		--output sarif=../../$(REPORTS)/vendorpolicy.sarif \
		--output json=../../$(REPORTS)/vendorpolicy.json \
		--format text; \
	rc=$$?; \
	echo ""; \
	echo "vendorpolicy exit code: $$rc (0 = pass, 1 = findings at or above fail_on, 2 = usage/config error)"; \
	echo "reports: $(REPORTS)/vendorpolicy.junit.xml $(REPORTS)/vendorpolicy.sarif $(REPORTS)/vendorpolicy.json"; \
	test $$rc -le 1

## make test: the whole suite, ruff and mypy included.
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

## make bench: the performance benchmark (see benchmarks/README.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## make policypack: rebuild the pre-parsed built-in policies after editing policies/ or
## schemas/ (tests/test_startup_pack.py fails while it is stale).
policypack: $(STAMP)
	$(BIN)/python -m vendorpolicy.packbuild

## make fuzz: the fuzzing campaign (FUZZ_SECONDS, default 1800).
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.campaign --seconds $${FUZZ_SECONDS:-1800}

clean:
	rm -rf $(VENV) $(REPORTS) build dist .mypy_cache .pytest_cache .ruff_cache
