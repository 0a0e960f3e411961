# Dealbook — `make run` serves the app, `make test` runs the whole suite. Both set up what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
PYTEST_ARGS ?=

.PHONY: run test lint format bench clean setup messages

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

setup: $(STAMP) $(NPM_STAMP)

run: setup
	$(BIN)/dealbook serve

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# extract translatable strings into the Russian catalog and compile it (needs GNU gettext)
messages: $(STAMP)
	cd src/dealbook && DEALBOOK_DATA_DIR=$(CURDIR)/var ../../$(BIN)/django-admin makemessages -l ru \
		--settings=dealbook.settings --no-obsolete --add-location=file \
		--ignore=node_modules --ignore=.venv --ignore='*/migrations/*'
	cd src/dealbook && DEALBOOK_DATA_DIR=$(CURDIR)/var ../../$(BIN)/django-admin compilemessages -l ru \
		--settings=dealbook.settings

clean:
	rm -rf $(VENV) node_modules var
