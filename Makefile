# Two commands for a fresh machine (see README.md):
#   make demo   set everything up and run the application at http://127.0.0.1:8000
#   make test   run the test suite
# Each creates the virtual environment in .venv if there is none.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Installed before the project so that pip does not pick a different torch build; on a CUDA
# machine set TORCH_SPEC to the build you want (e.g. TORCH_SPEC="torch==2.13.0").
TORCH_SPEC ?= torch==2.13.0

.PHONY: venv demo test test-fast lint serve worker migrate clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

migrate: venv
	$(PY) manage.py migrate --no-input

demo: venv
	$(PY) manage.py demo

test: venv
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .

test-fast: venv
	$(PY) -m pytest -m "not browser and not worker and not slow" -x -q

# Development: DEBUG on (debug pages, static files from the apps) unless DEBUG is set.
serve: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:8000

worker: venv
	$(VENV)/bin/celery -A config worker -Q default,training,inference -l INFO --concurrency 1

clean:
	rm -rf .pytest_cache
