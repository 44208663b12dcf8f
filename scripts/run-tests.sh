#!/usr/bin/env bash
# Runs pytest under a virtual display at the kiosk's default resolution.
# With no arguments (`make test`): the whole suite, one worker per core (pytest-xdist); each worker starts
# its own virtual screen (tests/conftest.py) and takes whole test files. TEST_WORKERS=0 runs it in this one process.
# With arguments (the quick loop, e.g. `tests/test_x.py -k name -s`): one process, as pytest alone would.
set -euo pipefail
python="${1:-.venv/bin/python}"
shift || true
export KIVY_NO_ARGS=1 KIVY_LOG_MODE=PYTHON KIVY_NO_CONSOLELOG=1
if [ $# -eq 0 ]; then
    set -- -n "${TEST_WORKERS:-auto}" --dist loadfile
fi
exec xvfb-run -a -s "-screen 0 1920x1920x24" "$python" -m pytest "$@"
