#!/usr/bin/env bash
# Builds dist/writing-assistant/ with PyInstaller and starts it offscreen as a smoke check. By hand, not CI.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install -q "pyinstaller>=6"
.venv/bin/pyinstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/writing-assistant.spec
export WRITING_ASSISTANT_HOME=$(mktemp -d)
QT_QPA_PLATFORM=offscreen timeout 60 dist/writing-assistant/writing-assistant --startup-report | tee -a /dev/stderr \
    | grep -q MODEL_READY || { echo "smoke check failed: no window or no model" >&2; exit 1; }
echo "smoke check: window shown and default model loaded"
# "Add model…" in the packaged app: the trial load must run the app itself as its child (--wa-probe),
# not `app -c …`, which would start a second window and time out.
cp "$(.venv/bin/python -c 'from assistant.bundled import smollm2_path; print(smollm2_path())')" \
    "$WRITING_ASSISTANT_HOME/copy-of-smollm2.gguf"
QT_QPA_PLATFORM=offscreen timeout 60 dist/writing-assistant/writing-assistant \
    --smoke-add-model "$WRITING_ASSISTANT_HOME/copy-of-smollm2.gguf" | tee -a /dev/stderr \
    | grep -q "MODEL_ADDED copy-of-smollm2" || { echo "smoke check failed: adding a model" >&2; exit 1; }
echo "smoke check: a model added through the packaged app"
