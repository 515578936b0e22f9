# The ASEAN–ROK Archive. `make run` serves it, `make test` tests it; both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 2
export ARCHIVE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run demo setup ocr-packages test test-quick test-packages postgres-packages test-postgres superuser ingest-report

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Database tables, the seed statements (files already imported are left as they are) and the search index.
setup: $(VENV)/.runtime ocr-packages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_statements --skip-existing seeds/
	$(BIN)/python manage.py check_index

# The archive with the test statements of several editions of the Summit and the Dialogue as well (tests/data/editions),
# so that compare, paragraph history, trends and commitments have editions to work on.
demo: setup
	$(BIN)/python manage.py import_statements --skip-existing tests/data/editions/
	$(MAKE) --no-print-directory run

# A request line of up to 8190 bytes (gunicorn's default is 4094): a long search reaches the archive, which
# shortens it with a note, instead of a bare "414 Request-URI Too Long" from gunicorn.
run: setup
	exec $(BIN)/gunicorn archive.wsgi:application --bind 127.0.0.1:$(PORT) --workers $(WORKERS) \
		--access-logfile - --graceful-timeout 5 --limit-request-line 8190

# Debian's tesseract-ocr (with its English data) reads scanned PDFs. Installed only when missing; where
# apt-get cannot install it the archive still runs and refuses scanned PDFs, saying OCR is not installed.
ocr-packages:
	@command -v tesseract >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; } || \
		echo "tesseract-ocr could not be installed: scanned PDFs will be refused until it is"

# From Debian's packages: headless Chromium for the page tests, a Unicode font for the PDFs the tests build,
# tesseract for the scanned-PDF tests.
test-packages:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v tesseract >/dev/null && \
		[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
			fonts-dejavu-core tesseract-ocr >/dev/null; }

# Debian's PostgreSQL server, for the suite's run on PostgreSQL and the several-servers test: each starts a
# throw-away cluster of its own in a temporary folder (as the postgres user when run as root), never a system one.
postgres-packages:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# The whole suite on SQLite, then again on PostgreSQL.
test: $(VENV)/.dev test-packages postgres-packages bench-packages
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-postgres

# The suite on SQLite without the tests that start servers, browsers or manage.py processes.
test-quick: $(VENV)/.dev
	$(BIN)/pytest -m "not subprocess"

# The whole suite on a new PostgreSQL cluster, stopped and removed at the end whether the tests pass or fail.
test-postgres: $(VENV)/.dev test-packages postgres-packages
	$(BIN)/python tests/postgres.py $(BIN)/pytest

superuser: setup
	$(BIN)/python manage.py createsuperuser

# The importer's accuracy per field on the test corpus (tests/data/ingest/corpus), in a throw-away archive.
ingest-report: $(VENV)/.runtime
	$(BIN)/python manage.py ingest_report

# Search benchmark: the site's Whoosh search against SQLite FTS5 at several corpus sizes (see bench/README.md).
SCALES ?= 1000,10000,50000,200000
.PHONY: bench bench-nodes
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py --scales $(SCALES)

# Several app servers on one PostgreSQL: searches per second with 1, 2 and 3 nodes, save-to-visible delay.
bench-nodes: $(VENV)/.dev postgres-packages
	$(BIN)/python bench/nodes.py

# Debian's wrk, the HTTP load generator of `make bench-http` (and of its smoke test). Installed only when missing.
.PHONY: bench-packages bench-http
bench-packages:
	@command -v wrk >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# Every page over HTTP: gunicorn as `make run` starts it, driven by wrk on loopback (see bench/README.md).
# The corpus of each scale is built once in var/bench-http/<N>/ and reused; HTTP_SCALES=50000,200000 adds 200k.
HTTP_SCALES ?= 50000
HTTP_SECONDS ?= 10
HTTP_CONNECTIONS ?= 8
bench-http: $(VENV)/.dev bench-packages
	$(BIN)/python bench/http_bench.py --scales $(HTTP_SCALES) --seconds $(HTTP_SECONDS) --connections $(HTTP_CONNECTIONS)
