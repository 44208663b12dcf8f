# The only two commands a newcomer needs:
#   make run   — set up everything on first use, then start the kiosk
#   make test  — set up the test environment (venv, Xvfb) and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?= config/kiosk.toml

.PHONY: run test

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	scripts/ensure-run-system.sh
	$(BIN)/kiosk --config $(CONFIG) setup
	$(BIN)/kiosk --config $(CONFIG) run

test: $(VENV)/.installed-test
	scripts/ensure-test-system.sh
	scripts/run-tests.sh $(BIN)/python
