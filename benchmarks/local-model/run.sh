#!/usr/bin/env bash
# Run the core scenarios through all seven patterns on a real local model, and write the table.
#
#   LLAMA_SERVER=/path/to/llama-server MODEL=/path/to/model.gguf bash benchmarks/local-model/run.sh
#
# Starts llama.cpp's llama-server on loopback with the chat template beside this script (under which
# Qwen2.5 models' tool calls are parsed as real tool calls), runs
# `python -m orchestration evaluate --tag core` against it, K runs per scenario at temperature T, and
# writes docs/real-models.md. Results are appended to RESULTS as each run ends: stop it at any time,
# start it again, and it goes on where it stopped. Settings: PORT (8080), RUNS (3), TEMPERATURE (0.5),
# NAME (the model's name in the report), RESULTS (docs/real-models/NAME.jsonl), CTX (32768), SLOTS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LLAMA_SERVER:?set LLAMA_SERVER to the llama-server binary}" "${MODEL:?set MODEL to a .gguf file}"
PORT=${PORT:-8080}; RUNS=${RUNS:-3}; TEMPERATURE=${TEMPERATURE:-0.5}; CTX=${CTX:-32768}; SLOTS=${SLOTS:-2}
NAME=${NAME:-$(basename "$MODEL" .gguf)}; RESULTS=${RESULTS:-docs/real-models/$NAME.jsonl}
mkdir -p "$(dirname "$RESULTS")"

if ! curl -sf -m 2 "http://127.0.0.1:$PORT/health" >/dev/null; then
    "$LLAMA_SERVER" -m "$MODEL" --host 127.0.0.1 --port "$PORT" -c "$CTX" -np "$SLOTS" -t "$(nproc)" \
        --jinja --chat-template-file benchmarks/local-model/qwen-tools.jinja --no-webui \
        > "${RESULTS%.jsonl}.server.log" 2>&1 &
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null || true' EXIT
    for _ in $(seq 180); do curl -sf -m 2 "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done
fi
curl -sf -m 2 "http://127.0.0.1:$PORT/health" >/dev/null || { echo "the server did not start; see its log" >&2; exit 1; }

# Breadth first: every pattern and scenario once, then the second runs, then the third, so that a
# stopped run still covers every pattern.
for k in $(seq 1 "$RUNS"); do
    python -m orchestration evaluate --tag core --runs "$k" --temperature "$TEMPERATURE" \
        --local-model-url "http://127.0.0.1:$PORT/v1" --local-model "$NAME" --results "$RESULTS"
done
SERVER="llama.cpp llama-server $("$LLAMA_SERVER" --version 2>&1 | head -1), -c $CTX -np $SLOTS, chat template benchmarks/local-model/qwen-tools.jinja" \
MODEL_INFO="$NAME ($(stat -c %s "$MODEL") bytes)" SAMPLING="temperature $TEMPERATURE, max_tokens ${MODEL_MAX_TOKENS:-800}" \
    python benchmarks/local-model/report.py "$RESULTS" > docs/real-models.md
