# Zhibu — two commands: `make run` (serve the portal with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_PASSWORD ?= zhibu2026
STAMP := $(VENV)/.installed

.PHONY: install run test test-dates test-services lint migrations-check bench load backup restore clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the requirements (nothing else)

run: install  ## migrate, load demo data on the first run, serve on 127.0.0.1:$(PORT)
	$(BIN)/python manage.py migrate --noinput
	@if ! $(BIN)/python manage.py shell -c "from branches.models import OrgUnit; raise SystemExit(0 if OrgUnit.objects.exists() else 1)"; then \
		$(BIN)/python manage.py seed_demo --password $(DEMO_PASSWORD); fi
	@echo ""
	@echo "  支部台账 · http://127.0.0.1:$(PORT)/"
	@echo "  演示账号（密码 $(DEMO_PASSWORD)）：admin 系统管理员 · dangwei 党委工作人员 · shuji1 / shuji2 支部书记"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install  ## the whole suite on SQLite with in-process Celery; browser tests run when chromium is installed
	$(BIN)/python -m pytest -n 2 -m "not e2e"
	$(BIN)/python -m pytest -m e2e

# Days a test could notice: early December (no December meetings yet) and the last day of a year,
# the next ones from today (a day in the past would contradict the dates tests take as past).
TEST_DATES ?= $(shell $(PYTHON) -c "import datetime as d; t = d.date.today(); \
	print(*(x if x >= t else x.replace(year=t.year + 1) for x in (d.date(t.year, 12, 5), d.date(t.year, 12, 31))))")

test-dates: install  ## the suite (not e2e) as if today were each of TEST_DATES (pytest --clock, tests/conftest.py)
	@for day in $(TEST_DATES); do \
		echo "== pytest --clock=$$day"; \
		$(BIN)/python -m pytest -n 2 -m "not e2e" -q --clock=$$day || exit 1; \
	done

backup: install  ## database + media files in one archive: backups/zhibu-<date>.tar.gz, or BACKUP=path
	$(BIN)/python manage.py backup $(if $(BACKUP),--out "$(BACKUP)")

restore: install  ## make restore BACKUP=path: asks, backs up the current data first, then restores
	@if [ -z "$(BACKUP)" ]; then echo "用法：make restore BACKUP=backups/zhibu-YYYYmmdd-HHMMSS.tar.gz"; exit 2; fi
	$(BIN)/python manage.py restore "$(BACKUP)"

lint: install  ## ruff, and import-linter's contracts: the apps form a stack, no import cycle inside an app
	$(BIN)/python -m ruff check .
	$(BIN)/lint-imports

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: install  ## committee-scale benchmark (seeds the large demo once); PostgreSQL via DATABASE_URL for real figures
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py bench --scale large --out bench/results.json

load: install  ## 50 logged-in users against gunicorn (production settings) on loopback, on the large demo
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py loadtest --users 50 --duration 60 --requests 12000

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
