# hearth developer entry points. `make` alone lists them. CI runs `.ci/run`, i.e. `make test`.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
VBIN := $(VENV)/bin
# Touched after a successful `pip install -e '.[test]'`; the install re-runs when pyproject.toml is newer.
VENV_STAMP := $(VENV)/.hearth-installed

TOOLS_DIR := $(CURDIR)/.tools
TOOLS_BIN := $(TOOLS_DIR)/bin
# Throwaway Helm home, recreated for each test run so no state leaks between runs or from ~/.cache/helm.
HELM_TMP := $(TOOLS_DIR)/tmp/helm
TOOL_ENV := PATH="$(TOOLS_BIN):$$PATH" \
	HELM_CACHE_HOME="$(HELM_TMP)/cache" \
	HELM_CONFIG_HOME="$(HELM_TMP)/config" \
	HELM_DATA_HOME="$(HELM_TMP)/data"

# Directories that do not exist (an empty bench/ is not in a fresh clone) are left out.
LINT_PATHS := $(wildcard src tests bench)
PYTEST_ARGS ?=
# pytest-xdist workers: one per core; a test file stays on one worker, so its module fixtures are made once.
PYTEST_WORKERS ?= auto

.PHONY: help venv tools lint test demo bench e2e clean distclean

help: ## list the targets
	@echo "Targets (make <target>):"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z0-9_-]*:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(VENV_STAMP) ## create .venv and pip install -e '.[test]' (again when pyproject.toml changes)

$(VENV_STAMP): pyproject.toml
	test -x $(VBIN)/python || $(PYTHON) -m venv $(VENV)
	$(VBIN)/python -m pip install -e '.[test]'
	touch $@

tools: ## install helm, kubectl, helmfile, promtool, aws-cli into .tools; Debian servers the tests start (not run)
	scripts/install-tools.sh

lint: venv ## ruff check, ruff format --check, mypy --strict
	$(VBIN)/ruff check $(LINT_PATHS)
	$(VBIN)/ruff format --check $(LINT_PATHS)
	$(VBIN)/mypy --strict

test: venv tools lint ## lint, then pytest on every core, .tools/bin first on PATH (PYTEST_ARGS='-m "not slow"' to skip real servers)
	rm -rf "$(HELM_TMP)"
	mkdir -p "$(HELM_TMP)/cache" "$(HELM_TMP)/config" "$(HELM_TMP)/data"
	$(TOOL_ENV) $(VBIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# `hearth build` exits 1 when the audit finds a failure: that is the demo's result, printed in the report, so
# the demo still succeeds; any other failure (2: bad input, or a crash) fails it.
demo: venv ## validate, render and audit the default platform into ./build and print the report
	$(VBIN)/hearth validate
	@status=0; $(VBIN)/hearth build || status=$$?; \
	if (( status == 1 )); then \
		echo "make demo: the audit above reports what fails on this platform (hearth build exit 1)."; \
	elif (( status != 0 )); then exit $$status; fi

bench: venv ## run every bench/*.py with the venv python
	@shopt -s nullglob; files=(bench/*.py); \
	if (( $${#files[@]} == 0 )); then echo "bench: no bench/*.py"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(TOOL_ENV) $(VBIN)/python "$$f"; done

e2e: venv ## pytest tests/e2e -m e2e against the cluster in KUBECONFIG (exits 2 without one)
	@if [[ -z "$${KUBECONFIG:-}" ]]; then \
		echo "e2e: needs a real Kubernetes cluster: set KUBECONFIG (no API server can run on this machine)" >&2; \
		exit 2; \
	fi
	$(TOOL_ENV) $(VBIN)/pytest tests/e2e -m e2e $(PYTEST_ARGS)

clean: ## remove .tools (binaries, downloads) and build/test caches; keeps .venv
	rm -rf .tools build .pytest_cache .mypy_cache .ruff_cache .hypothesis
	rm -rf src/*.egg-info *.egg-info
	find . -path ./.venv -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean ## clean, and remove .venv too
	rm -rf $(VENV)
