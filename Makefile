# docgen: `make install` once, then `make draft` after every change to plan_data/.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= plan_data
# Debian packages: Khmer OS fonts (government convention), poppler (PDF checks in tests),
# LibreOffice Writer + Calc + UNO (opens every DOCX in tests, scripts a reviewer and a translator).
APT_PACKAGES := fonts-khmeros poppler-utils libreoffice-writer libreoffice-calc python3-uno

# requirements.lock pins every package (direct and indirect) to the versions the tests pass
# with; `make install` installs exactly those. `make lock` refreshes it after a change to
# pyproject.toml's dependencies; `make test-minimums` runs the tests with the lowest versions
# pyproject.toml allows (uv's lowest-direct resolution) in a separate venv: by default the
# tests that exercise the dependencies directly without building whole documents (YAML,
# models, spreadsheets and XLIFF, Jinja and pandoc), which fit beside `make test` in CI;
# MINIMUM_TESTS=tests for the whole suite.
LOCK   := requirements.lock
MINVENV ?= .venv-minimums
MINIMUM_TESTS ?= tests/test_load.py tests/test_validate.py tests/test_translate.py tests/test_sheets.py \
                 tests/test_markdown.py

.PHONY: install system-deps draft validate test test-minimums lock bench clean

install: system-deps $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c $(LOCK) -e '.[test]'
	@echo "preparing the Word fonts (once per machine, about 15 s)"
	$(BIN)/python -c 'from docgen.docx.fonts import prepare_latin_faces; prepare_latin_faces()'
	@touch $@

lock: $(VENV)/.installed
	$(BIN)/uv pip compile -q --universal --python-version 3.10 --extra test pyproject.toml -o $(LOCK)

test-minimums: $(VENV)/.installed
	rm -rf $(MINVENV)
	$(BIN)/uv venv -q --python $(BIN)/python $(MINVENV)
	$(BIN)/uv pip compile -q --resolution lowest-direct --extra test pyproject.toml -o $(MINVENV)/minimums.txt
	$(BIN)/uv pip install -q --python $(MINVENV)/bin/python -r $(MINVENV)/minimums.txt
	$(BIN)/uv pip install -q --python $(MINVENV)/bin/python --no-deps -e .
	$(MINVENV)/bin/python -m pytest -q -x -p no:cacheprovider $(MINIMUM_TESTS)

# Best effort: needs root and apt-get. Without them docgen still works (Noto Sans Khmer
# from PyPI replaces Khmer OS in PDFs) and the LibreOffice tests are skipped.
system-deps:
	@missing=$$(dpkg-query -W -f='$${db:Status-Status} $${Package}\n' $(APT_PACKAGES) 2>/dev/null | \
		awk '$$1 == "installed" { ok[$$2] = 1 } END { n = split("$(APT_PACKAGES)", p, " "); \
		for (i = 1; i <= n; i++) if (!(p[i] in ok)) print p[i] }'); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing system packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "note: not installing $$missing (needs root and apt-get); see README"; \
	fi

draft: install
	$(BIN)/docgen build --data $(DATA)

validate: install
	$(BIN)/docgen validate --data $(DATA)

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/bench_build.py

clean:
	rm -rf build
