# Future Community platform. Two commands do everything: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVICES := registry funding inspection notify
EDITABLES := -e shared $(foreach s,$(SERVICES),-e services/$(s)) -e services/console -e shared/devtools
WEB := services/console/web
WEB_SRC := $(shell find $(WEB)/src $(WEB)/public -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/tsconfig.json
PYTEST_ARGS ?=
# Hard days for the district's clock: last day of a year, 1 January, 29 February, last day of a 30-day month.
CALENDAR_DAYS ?= 2026-12-31 2027-01-01 2028-02-29 2027-04-30

ASYNCAPI := tools/asyncapi

.PHONY: install run test test-calendar test-unit test-faults migrate token bench lint clean asyncapi

install: $(VENV)/.installed $(WEB)/dist/index.html $(ASYNCAPI)/node_modules/.installed

$(VENV)/.installed: constraints.txt requirements-dev.txt shared/pyproject.toml shared/devtools/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml) services/console/pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt $(EDITABLES) -r requirements-dev.txt
	touch $@

## the console's front end: npm ci from the committed lockfile, then vite build (needs Node.js 20)
$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB)/dist/index.html: $(WEB)/node_modules/.installed $(WEB_SRC)
	cd $(WEB) && npm run --silent build

## the AsyncAPI parser the contract test validates docs/asyncapi.json with (npm ci from the committed lockfile)
$(ASYNCAPI)/node_modules/.installed: $(ASYNCAPI)/package.json $(ASYNCAPI)/package-lock.json
	cd $(ASYNCAPI) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## make asyncapi: regenerate docs/asyncapi.json from the payload models (fc_shared.event_models), then validate it
asyncapi: install
	$(BIN)/python $(ASYNCAPI)/generate.py
	node $(ASYNCAPI)/validate.mjs docs/asyncapi.json

## make run: migrate, start the broker, the four services and the console (http://127.0.0.1:8000) with sample data (Ctrl-C stops all)
run: install
	$(BIN)/python tools/devrun.py

## make test: the console's Vitest component tests; unit, integration (SQLite + PostgreSQL, real broker),
## end-to-end (with the console in Debian's Chromium) and security tests, then the calendar-marked tests
## again with the district's day pinned to each of CALENDAR_DAYS
test: install
	cd $(WEB) && npx --no-install vitest run
	@$(BIN)/python -m pytest -m "not faults" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests - failing"; exit 1; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi
	@$(MAKE) --no-print-directory test-calendar

## make test-calendar: the tests marked `calendar`, once per pinned day (FC_TEST_TODAY)
test-calendar: install
	@for day in $(CALENDAR_DAYS); do echo "== district day pinned to $$day"; \
	FC_TEST_TODAY=$$day $(BIN)/python -m pytest -q -m "calendar and not faults" -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-calendar: no calendar tests collected - failing"; exit 1; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; done

## make test-faults: the long fault runs (kill -9, broker loss, PostgreSQL cuts, receiver down), 200 projects each
test-faults: install
	@$(BIN)/python -m pytest -m faults $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-faults: pytest collected no tests - failing"; exit 1; fi; exit $$rc

test-unit: install
	$(BIN)/python -m pytest -m "not postgres and not e2e" $(PYTEST_ARGS)

migrate: install
	@for s in $(SERVICES); do $(BIN)/alembic -c services/$$s/alembic.ini upgrade head || exit 1; done

## make token ROLE=street STREET=S01 (also DEPARTMENT=housing, SCOPE=city)
token: install
	@$(BIN)/fc-token --role $(ROLE) $(if $(STREET),--street $(STREET)) $(if $(DEPARTMENT),--department $(DEPARTMENT)) $(if $(SCOPE),--scope $(SCOPE))

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .data .pytest_cache $(WEB)/node_modules $(WEB)/dist $(WEB)/test-results $(ASYNCAPI)/node_modules
