# `make test` and `make run` do all their own set-up: a .venv, torch 2.13.0 (CPU) first, then the project.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: test run lint format eval bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

run: $(STAMP)
	$(BIN)/newsdesk run

lint: $(STAMP)
	$(BIN)/ruff check index bot tests bench
	$(BIN)/ruff format --check index bot tests bench
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format index bot tests bench
	$(BIN)/ruff check --fix index bot tests bench

SHARED ?= ../shared/data
eval: $(STAMP)
	$(BIN)/newsdesk eval $(SHARED)/seed/kyodo-japan-russia-sanctions.txt $(SHARED)/seed/questions.jsonl --strict
	$(BIN)/newsdesk eval $(SHARED)/newsqa-dev/articles.jsonl $(SHARED)/newsqa-dev/questions.jsonl

bench: $(STAMP)
	$(BIN)/python bench/bench_pipeline.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
