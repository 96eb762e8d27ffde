# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
LOADSTAMP := $(VENV)/.installed-load

.PHONY: run test lint bench loadtest screenshots migrate clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(DEVSTAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP) $@

migrate: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput

run: $(STAMP)
	$(PY) -m config.run

test: $(DEVSTAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(DEVSTAMP)
	$(VENV)/bin/ruff check .

bench: $(DEVSTAMP)
	$(PY) -m bench

$(LOADSTAMP): requirements.txt requirements-load.txt | $(PY)
	$(PIP) install --quiet -r requirements-load.txt
	touch $@

loadtest: $(DEVSTAMP) $(LOADSTAMP)
	$(PY) -m loadtest

screenshots: $(DEVSTAMP)
	SCREENSHOTS=1 $(PY) -m pytest tests/browser -q

clean:
	rm -rf $(VENV) var/
