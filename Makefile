# `make test` and `make run` do all their own set-up: a .venv, torch 2.13.0 (CPU) first, then the project.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: test run lint format eval bench bench-scale clean milvus-test

# Set-up says what each step does, and pip shows what it collects, downloads and installs as it goes.
PIP := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar on
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "==> [1/3] Creating the virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> [2/3] Installing torch 2.13.0 (CPU) first, so that no dependency can pull a CUDA build"
	@$(PIP) "torch==2.13.0"
	@echo "==> [3/3] Installing Newsdesk and its dependencies (editable, with the dev tools)"
	@$(PIP) -e ".[dev]"
	@$(BIN)/python -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
	@echo "==> Set-up done: $(BIN)/newsdesk is ready."
	@touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

run: $(STAMP)
	$(BIN)/newsdesk run

lint: $(STAMP)
	$(BIN)/ruff check index cli bot tests bench
	$(BIN)/ruff format --check index cli bot tests bench
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format index cli bot tests bench
	$(BIN)/ruff check --fix index cli bot tests bench

SHARED ?= ../shared/data
# Figures on the reporting half only (index/eval/split.py); tuning uses `--split tune`; `--unanswerable` adds the
# questions asked without their own story (false answers) and the no-answer trade-off curve. Set EVAL_INDEX_DIR to keep
# the built evaluation indexes between runs (e.g. make eval EVAL_INDEX_DIR=/tmp/newsdesk-eval).
EVAL_INDEX_DIR ?=
eval_index = $(if $(EVAL_INDEX_DIR),--index-dir $(EVAL_INDEX_DIR)/$(1))
eval: $(STAMP)
	$(BIN)/newsdesk eval $(SHARED)/seed/kyodo-japan-russia-sanctions.txt $(SHARED)/seed/questions.jsonl --strict
	$(BIN)/newsdesk eval $(SHARED)/newsqa-dev/articles.jsonl $(SHARED)/newsqa-dev/questions.jsonl \
		--split report --unanswerable $(call eval_index,newsqa)
	$(BIN)/newsdesk eval $(SHARED)/rtqa/articles.jsonl $(SHARED)/rtqa/questions.jsonl \
		--as-of-field question_date --split report --unanswerable $(call eval_index,rtqa)
	$(BIN)/newsdesk eval-briefing $(SHARED)/rtqa/articles.jsonl $(SHARED)/rtqa/questions.jsonl \
		--split report --top 3 $(if $(EVAL_INDEX_DIR),--work-dir $(EVAL_INDEX_DIR)/rtqa-briefing)

bench: $(STAMP)
	$(BIN)/python bench/bench_pipeline.py
	$(BIN)/python bench/bench_cold_start.py

SIZES ?= 100000 1000000
# BACKEND=milvus (or both): the store-is-truth design measured a second time on milvus-lite, beside FAISS in the same run
BACKEND ?= faiss
bench-scale: $(STAMP)
	$(BIN)/python bench/bench_scale.py --sizes $(SIZES) --backend $(BACKEND)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The tests against a real Milvus server (tests/milvus_server/): the pinned `milvus` package's standalone server,
# which listens on every interface, so pytest runs in a network namespace holding only loopback (and a PID
# namespace: should pytest die, the kernel ends the server with it). Needs root and unshare (util-linux); where
# they are missing the tests skip with the reason. MILVUS_TESTS=required (CI) makes such a skip a failure.
MILVUS_STAMP := $(VENV)/.milvus-server-stamp
MILVUS_TESTS ?=
$(MILVUS_STAMP): $(STAMP) pyproject.toml
	@echo "==> Installing the Milvus server package (the pinned milvus-server extra; torch stays 2.13.0)"
	@echo "torch==2.13.0" > $(VENV)/torch-constraint.txt
	@$(PIP) -c $(VENV)/torch-constraint.txt -e ".[milvus-server]"
	@$(BIN)/python -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
	@touch $(MILVUS_STAMP)

milvus-test: $(MILVUS_STAMP)
	@if command -v ip >/dev/null && unshare --net --pid --fork --mount-proc true 2>/dev/null; then \
		NEWSDESK_MILVUS_TESTS=$(MILVUS_TESTS) unshare --net --pid --fork --mount-proc --kill-child=SIGKILL \
			sh -c 'ip link set lo up && $(BIN)/python -m pytest -q -rs -m milvus_server tests/milvus_server'; \
	else \
		echo "milvus-test: no network namespace here (needs root, unshare and ip): the tests say why they skip"; \
		NEWSDESK_MILVUS_TESTS=$(MILVUS_TESTS) $(BIN)/python -m pytest -q -rs -m milvus_server tests/milvus_server; \
	fi

# Tracked questions on RealTimeQA replayed day by day (threshold chosen on the tune half, reported on the report
# half). EVAL_TRACK_VECTORS: an earlier index of the same articles by the same model, to skip re-embedding them.
EVAL_TRACK_VECTORS ?=
.PHONY: eval-track
eval-track: $(STAMP)
	$(BIN)/newsdesk eval-track $(SHARED)/rtqa/articles.jsonl $(SHARED)/rtqa/questions.jsonl \
		$(if $(EVAL_TRACK_VECTORS),--vectors-from $(EVAL_TRACK_VECTORS))
