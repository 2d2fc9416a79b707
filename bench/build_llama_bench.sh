#!/usr/bin/env bash
# Builds llama-bench from the llama.cpp tree inside the same llama-cpp-python release the app uses,
# so the benchmark compares the app against the C++ it embeds. By hand; about 6 minutes on 2 cores.
# Pass CMAKE_ARGS="-DGGML_CUDA=on" for a CUDA build. Prints the path of the binary.
set -euo pipefail
VERSION=$(.venv/bin/python -c "import llama_cpp; print(llama_cpp.__version__)")
WORK=${LLAMA_BENCH_DIR:-$PWD/bench/.llama-bench}
mkdir -p "$WORK"
cd "$WORK"
if [ ! -d "llama_cpp_python-$VERSION" ]; then
    "$OLDPWD/.venv/bin/pip" download -q --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d .
    tar xzf "llama_cpp_python-$VERSION.tar.gz"
fi
cd "llama_cpp_python-$VERSION/vendor/llama.cpp"
# shellcheck disable=SC2086
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF ${CMAKE_ARGS:-} >/dev/null
cmake --build build --target llama-bench -j"$(nproc)" >/dev/null
echo "$PWD/build/bin/llama-bench"
