#!/usr/bin/env bash
# Runs the whole pytest suite under a virtual display at the kiosk's default resolution.
set -euo pipefail
python="${1:-.venv/bin/python}"
shift || true
export KIVY_NO_ARGS=1 KIVY_LOG_MODE=PYTHON KIVY_NO_CONSOLELOG=1
exec xvfb-run -a -s "-screen 0 1920x1920x24" "$python" -m pytest "$@"
