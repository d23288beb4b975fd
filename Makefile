# `make test` and `make run` do all their own set-up: a .venv, torch 2.13.0 (CPU) first, then the locked dependencies
# (requirements.lock) and the project.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: test run lint format eval bench bench-scale clean milvus-test ingest-ratio

# The same install next year: every dependency comes from requirements.lock (exact versions, what CI tested), and
# every `pip install` obeys constraints.txt, which pins torch==2.13.0 (the CPU build on the machines' disk; torch is
# installed first and kept out of the lock, so nothing can upgrade it to a multi-GB CUDA build).
#   make lock          after adding or changing a dependency in pyproject.toml (yours or a merged branch's): resolves
#                      pyproject.toml again, keeps every pin that still fits, adds the new ones; commit the lock.
#   make lock-upgrade  moves every pin to the newest release pyproject.toml's ranges allow (then run make test).
#   LOCK_EXTRAS        the extras locked and installed besides the dependencies: to add one (e.g. milvus), change the
#                      default below and run make lock, so that the lock and the install agree.
# `make` refuses a lock that lacks what pyproject.toml asks for (pip check) and says to run `make lock`.
CONSTRAINTS := constraints.txt
LOCK := requirements.lock
LOCK_EXTRAS ?= dev
PIP_TOOLS := pip-tools==7.4.1
comma := ,
space := $(subst ,, )
# Set-up says what each step does, and pip shows what it collects, downloads and installs as it goes.
PIP := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -c $(CONSTRAINTS)
$(STAMP): pyproject.toml $(LOCK) $(CONSTRAINTS)
	@test -x $(BIN)/python || { echo "==> [1/4] Creating the virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> [2/4] Installing torch 2.13.0 (CPU) first, so that no dependency can pull a CUDA build"
	@$(PIP) "torch==2.13.0"
	@echo "==> [3/4] Installing the locked dependencies ($(LOCK): the versions CI tested)"
	@$(PIP) -r $(LOCK)
	@echo "==> [4/4] Installing Newsdesk itself (editable; its dependencies are the locked ones)"
	@$(PIP) --no-deps -e ".[$(subst $(space),$(comma),$(strip $(LOCK_EXTRAS)))]"
	@$(BIN)/python -m pip check >/dev/null 2>&1 || { $(BIN)/python -m pip check; \
		echo "==> $(LOCK) lacks what pyproject.toml asks for: run \`make lock\` and commit $(LOCK)"; exit 1; }
	@$(BIN)/python -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
	@echo "==> Set-up done: $(BIN)/newsdesk is ready."
	@touch $(STAMP)

COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --strip-extras $(foreach e,$(LOCK_EXTRAS),--extra $(e)) \
	--constraint $(CONSTRAINTS) --unsafe-package torch --unsafe-package pip \
	--no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml
.PHONY: lock lock-upgrade
lock: $(BIN)/pip-compile
	$(COMPILE)
lock-upgrade: $(BIN)/pip-compile
	$(COMPILE) --upgrade
$(BIN)/pip-compile:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) "$(PIP_TOOLS)"

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
	$(MAKE) ingest-ratio

bench: $(STAMP)
	$(BIN)/python bench/bench_pipeline.py
	$(BIN)/python bench/bench_cold_start.py
	$(MAKE) ingest-ratio

# Ingest pipeline / bare encode of the same encoder (target >= 0.9), for each encoder offered: part of `make eval`'s
# report (the answer-trust issue's last row) and of `make bench`. A speed figure: read it with the load average.
ingest-ratio: $(STAMP)
	NEWSDESK_MODEL=intfloat/multilingual-e5-small $(BIN)/python bench/bench_e5_ingest.py
	NEWSDESK_MODEL=sentence-transformers/all-MiniLM-L6-v2 $(BIN)/python bench/bench_e5_ingest.py

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
