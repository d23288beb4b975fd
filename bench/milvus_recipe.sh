#!/usr/bin/env bash
# README "Running against Milvus", followed end to end on this checkout:
#   1. install the pinned server (the milvus-server extra, torch held at 2.13.0) and start it with the time tick
#      the README gives; wait for its health;
#   2. point Newsdesk at it with the README's settings (a fresh data dir of the recipe's own);
#   3. run several processes on one data dir and one collection: an ingest, questions from three processes at once,
#      a second ingest while another process asks, a new process that must find that article, `reindex` while
#      another process asks; then kill the server (SIGKILL by pid), ask (one sentence), ingest (committed),
#      restart it and ask again (the collection caught up);
#   4. optionally (RECIPE_BENCH=1): the consistency levels' cost (bench/bench_milvus_consistency.py) and `ask`
#      p50/p95 at 100k paragraphs against the server beside FAISS (bench/bench_scale.py --milvus-uri).
# Every step checks what the README says it does and stops at the first that does not.
#
# The server listens on every interface, so here it runs only inside a network namespace that has nothing but
# loopback (and a PID namespace: if this script dies, the kernel ends the server with it). Needs root and
# unshare (util-linux). Usage:  bash bench/milvus_recipe.sh      (RECIPE_BENCH=1 for the figures; slow)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "${NEWSDESK_RECIPE_NS:-}" != 1 ]; then
  exec unshare --net --pid --fork --mount-proc --kill-child=SIGKILL \
    env NEWSDESK_RECIPE_NS=1 sh -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
if [ "$(tail -n +3 /proc/self/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\n' ' ')" != "lo " ]; then
  echo "recipe: this network namespace has more than loopback; refusing to start a server here" >&2
  exit 1
fi

VENV=${VENV:-$ROOT/.venv}
PY=$VENV/bin/python
WORK=$(mktemp -d /tmp/newsdesk-recipe.XXXXXX)
SERVER_PID=""
step() { printf '\n== %s\n' "$*"; }
fail() { echo "recipe FAILED: $*" >&2; exit 1; }

stop_server() {  # SIGKILL by process id: the wrapper, then every child it started (it ignores SIGTERM)
  [ -n "$SERVER_PID" ] || return 0
  local children
  children=$(pgrep -P "$SERVER_PID" || true)
  kill -9 "$SERVER_PID" $children 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  for pid in $children; do
    while kill -0 "$pid" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]; do sleep 0.1; done
  done
  SERVER_PID=""
}
trap 'stop_server' EXIT

start_server() {
  "$VENV/bin/milvus-server" --data "$WORK/milvus" --proxy-port 19530 \
    --extra-config proxy.timeTickInterval=20 >>"$WORK/milvus-server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 1200); do
    if "$PY" -c "import urllib.request as u, sys; sys.exit(0 if b'OK' in u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:9091/healthz', timeout=2).read() else 1)" 2>/dev/null; then
      grep -q "port: 19530" "$WORK/milvus/configs/milvus.yaml" || fail "the server did not take port 19530"
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || fail "milvus-server exited: $(tail -5 "$WORK/milvus-server.log")"
    sleep 0.2
  done
  fail "the server was not healthy after 240 s"
}

step "1. install the pinned server and start it"
if [ ! -x "$VENV/bin/milvus-server" ]; then
  "$PY" -m pip install --disable-pip-version-check -q -c <(echo torch==2.13.0) -e ".[milvus-server]"
fi
"$PY" -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
echo 0 > /proc/sys/net/ipv4/tcp_max_tw_buckets  # this namespace only: no TIME_WAIT, so a restart keeps its ports
t0=$(date +%s%N)
start_server
echo "healthy after $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $SERVER_PID; children $(pgrep -P "$SERVER_PID" | tr '\n' ' '))"

step "2. the settings every process shares"
export NEWSDESK_VECTOR_BACKEND=milvus
export NEWSDESK_MILVUS_URI=http://127.0.0.1:19530
export NEWSDESK_MILVUS_COLLECTION=newsdesk
export NEWSDESK_MILVUS_CONSISTENCY=Strong
export NEWSDESK_DATA_DIR=$WORK/data
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONPATH=$ROOT
env | grep '^NEWSDESK_' | sort
nd() { "$PY" -m cli "$@"; }
top_title() { "$PY" -c "import json,sys; q=json.load(sys.stdin)['quotes']; print(q[0]['title'] if q else '(no answer)')"; }

step "3a. an admin's ingest (process 1)"
nd ingest corpus/wikinews/articles.jsonl | tail -1

step "3b. three processes ask at once"
questions=("How many people died in the tsunami?" "Who won the election?" "What did the court decide?")
askers=()
for i in 0 1 2; do nd ask "${questions[$i]}" --json >"$WORK/ask$i.json" & askers+=($!); done
for pid in "${askers[@]}"; do wait "$pid" || fail "a question failed"; done  # (a bare wait waits for the server)
for i in 0 1 2; do echo "  ${questions[$i]} -> $(top_title <"$WORK/ask$i.json")"; done

step "3c. an ingest while another process asks; then a new process finds the new article at once"
cat >"$WORK/new.jsonl" <<'EOF'
{"id": "recipe-1", "title": "Varnokel opens its tidal bridge", "source": "Coast Post", "date": "2026-11-10", "url": "https://coastpost.example/varnokel", "text": "The town of Varnokel opened its new tidal bridge on Monday, the mayor's office said.\n\nOfficials said the tidal bridge in Varnokel had taken four years to build."}
EOF
nd ask "Who won the election?" --json >/dev/null &
asker=$!
nd ingest "$WORK/new.jsonl" | tail -1
wait $asker
got=$(nd ask "What did Varnokel open on Monday?" --json | top_title)
[ "$got" = "Varnokel opens its tidal bridge" ] || fail "a new process did not find the new article: $got"
echo "  found by a new process: $got"

step "3d. reindex while another process asks"
nd ask "Who won the election?" --json >/dev/null &
asker=$!
nd reindex | tail -1
wait $asker || fail "the question asked during reindex failed"
got=$(nd ask "What did Varnokel open on Monday?" --json | top_title)
[ "$got" = "Varnokel opens its tidal bridge" ] || fail "after reindex: $got"
echo "  after reindex: $got"

step "3e. the server killed mid-run: one sentence for a question, ingest still commits, caught up after a restart"
stop_server
if nd ask "Who won the election?" 2>"$WORK/outage.err"; then fail "a question succeeded with the server down"; fi
echo "  while down: $(cat "$WORK/outage.err")"
[ "$(wc -l <"$WORK/outage.err")" -eq 1 ] || fail "more than one line on stderr while down"
sed 's/recipe-1/recipe-2/; s/Varnokel/Quillmere/g; s/varnokel/quillmere/; s/tidal bridge/seed vault/g' \
  "$WORK/new.jsonl" >"$WORK/down.jsonl"
nd ingest "$WORK/down.jsonl" | tail -1 | tee "$WORK/down.out"
grep -q "^added 1 " "$WORK/down.out" || fail "the ingest during the outage did not commit its article"
t0=$(date +%s%N)
start_server
echo "  restarted in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
got=$(nd ask "What did Quillmere open on Monday?" --json | top_title)
[ "$got" = "Quillmere opens its seed vault" ] || fail "after the restart: $got"
echo "  after the restart: $got"
nd stats | head -5

if [ "${RECIPE_BENCH:-}" = 1 ]; then
  step "4. figures (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$PY" bench/bench_milvus_consistency.py --uri "$NEWSDESK_MILVUS_URI"
  unset NEWSDESK_VECTOR_BACKEND NEWSDESK_MILVUS_COLLECTION NEWSDESK_DATA_DIR
  "$PY" bench/bench_scale.py --sizes "${RECIPE_SIZES:-100000}" --designs current milvus \
    --milvus-uri http://127.0.0.1:19530 --cold-runs 1 --json "$WORK/bench-scale.json"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

step "done: stopping the server by process id"
stop_server
pgrep -af "milvus run" && fail "a Milvus process survived" || echo "no Milvus process left; work dir $WORK"
