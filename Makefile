# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BD := $(VENV)/bin/board-dashboard

.PHONY: run test test-fast screenshots lint bench bench-quick clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

## run: serve the dashboard on http://127.0.0.1:8050 (embedded SQLite with the bundled dataset unless DATABASE_URL is set)
run: $(VENV)/.installed
	$(BD) init-db
	$(BD) serve

## test: the whole suite (unit, integration, end-to-end in Chromium when it is installed)
test: $(VENV)/.installed-test
	$(PY) -m pytest

## test-fast: unit and integration tests only
test-fast: $(VENV)/.installed-test
	$(PY) -m pytest -m "not e2e"

## screenshots: the end-to-end tests in Chromium, refreshing the README's pictures in docs/screenshots/
screenshots: $(VENV)/.installed-test
	UPDATE_SCREENSHOTS=1 REQUIRE_BROWSER=1 $(PY) -m pytest -m e2e tests/e2e

## lint: ruff's checks and its formatting, as CI runs them
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## bench: the performance benchmark (bench/results/latest.json)
bench: $(VENV)/.installed-test
	$(PY) -m bench --out bench/results/latest.json

bench-quick: $(VENV)/.installed-test
	$(PY) -m bench --quick --out bench/results/quick.json

clean:
	rm -rf $(VENV) instance test-output .pytest_cache
