#!/usr/bin/env bash
# Builds dist/writing-assistant/ with PyInstaller and starts it offscreen as a smoke check. By hand, not CI.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip install -q "pyinstaller>=6"
.venv/bin/pyinstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/writing-assistant.spec
export WRITING_ASSISTANT_HOME=$(mktemp -d)
QT_QPA_PLATFORM=offscreen timeout 60 dist/writing-assistant/writing-assistant --startup-report | tee /dev/stderr \
    | grep -q MODEL_READY && echo "smoke check: window shown and default model loaded"
