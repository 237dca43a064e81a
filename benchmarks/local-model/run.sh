#!/usr/bin/env bash
# Measure all seven patterns on a real local model, as written and with safeguards, and write the table.
#
#   LLAMA_SERVER=/path/to/llama-server MODEL=/path/to/model.gguf bash benchmarks/local-model/run.sh
#
# Starts llama.cpp's llama-server on loopback with the chat template beside this script (under which
# Qwen2.5 models' tool calls are parsed as real tool calls), then runs
# `python -m orchestration evaluate --tag core` against it: every pattern, RUNS runs per scenario, with
# `--safeguards off` (the pattern as the article writes it) and `--safeguards on`, WORKERS jobs at once.
# Each (pattern, setting) job appends its runs to its own file in PARTS as each run ends: stop it at any
# time, start it again, and it goes on where it stopped. At the end the parts become RESULTS (one
# measurement, one commit), RESULTS' .meta.json says how it was made, and docs/real-models.md is written.
#
# The server keeps what it has read: a prompt cache in RAM (--cache-ram) keeps the prefixes of idle
# conversations, so each of F's and G's up to four agents finds its own again in the one slot. One slot,
# one run at a time: on 2 cores two slots at once wrote 0.78-0.98x the tokens per second of one
# (benchmarks/local-model/slots.py). A call that waits for a busy server may take MODEL_TIMEOUT_S (900 s).
# Run it on an idle machine: beside a test suite the server writes a fifth as fast, and `nice` does not
# help while Linux's autogroup scheduling shares the cores between sessions (docs/real-models/notes.md).
# docs/real-models.md compares this with the settings before.
#
# Settings: PORT (8080), RUNS (3), TEMPERATURE (0.5), NAME (the model's name), RESULTS
# (docs/real-models/NAME.jsonl), CTX (65536, shared by the slots), SLOTS (1), WORKERS (SLOTS), CACHE_RAM (4096 MiB),
# PATTERNS (BFGDCEA: the slowest first), SETTINGS ("off on").
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LLAMA_SERVER:?set LLAMA_SERVER to the llama-server binary}" "${MODEL:?set MODEL to a .gguf file}"
PORT=${PORT:-8080}; RUNS=${RUNS:-3}; TEMPERATURE=${TEMPERATURE:-0.5}; CTX=${CTX:-65536}; SLOTS=${SLOTS:-1}
WORKERS=${WORKERS:-$SLOTS}; CACHE_RAM=${CACHE_RAM:-4096}; PATTERNS=${PATTERNS:-BFGDCEA}; SETTINGS=${SETTINGS:-off on}
NAME=${NAME:-$(basename "$MODEL" .gguf)}; RESULTS=${RESULTS:-docs/real-models/$NAME.jsonl}
PARTS=${RESULTS%.jsonl}.parts
export MODEL_TIMEOUT_S=${MODEL_TIMEOUT_S:-900}
mkdir -p "$PARTS"

SERVER_ARGS=(-m "$MODEL" --host 127.0.0.1 --port "$PORT" -c "$CTX" -np "$SLOTS" --cache-ram "$CACHE_RAM"
             -t "$(nproc)" --jinja --chat-template-file benchmarks/local-model/qwen-tools.jinja --no-webui)
if ! curl -sf -m 2 "http://127.0.0.1:$PORT/health" >/dev/null; then
    "$LLAMA_SERVER" "${SERVER_ARGS[@]}" > "$PARTS/server.log" 2>&1 &
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null || true' EXIT
    for _ in $(seq 180); do curl -sf -m 2 "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done
fi
curl -sf -m 2 "http://127.0.0.1:$PORT/health" >/dev/null || { echo "the server did not start; see its log" >&2; exit 1; }

# One job per pattern and setting, WORKERS at a time.
export RUNS TEMPERATURE PORT NAME PARTS
for setting in $SETTINGS; do
    for letter in $(echo "$PATTERNS" | grep -o .); do echo "$letter $setting"; done
done | xargs -P "$WORKERS" -L 1 sh -c 'python -m orchestration evaluate --tag core --patterns "$1" --safeguards "$2" \
    --runs "$RUNS" --temperature "$TEMPERATURE" --local-model-url "http://127.0.0.1:$PORT/v1" --local-model "$NAME" \
    --results "$PARTS/$1-$2.jsonl" > "$PARTS/$1-$2.log" 2>&1 || echo "job $1 $2 stopped: see $PARTS/$1-$2.log"' _

cat "$PARTS"/*-*.jsonl > "$RESULTS"
python - "$RESULTS" <<PY
import json, os, platform, sys
results = sys.argv[1]
meta_path = results[: -len(".jsonl")] + ".meta.json"
meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
meta.update({
    "model": "$NAME ($(stat -c %s "$MODEL") bytes)",
    "server": "llama.cpp llama-server $("$LLAMA_SERVER" --version 2>&1 | head -1 | tr -d '"'): ${SERVER_ARGS[*]:2}",
    "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
    "sampling": "temperature $TEMPERATURE, max_tokens ${MODEL_MAX_TOKENS:-800}; $WORKERS runs at once, "
                "up to $MODEL_TIMEOUT_S s per model call",
})
json.dump(meta, open(meta_path, "w"), indent=1)
PY
python benchmarks/local-model/report.py "$RESULTS" > docs/real-models.md
