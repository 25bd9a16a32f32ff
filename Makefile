# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make demo   install, generate the embedded sample, run every asset, print where things are
#   make test   install, run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export CHIPAO_HOME ?= $(CURDIR)/.chipao
DAGSTER_PORT ?= 3000

.PHONY: install browser demo test dev serve notebooks bench lint clean

$(BIN)/chipao: pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/chipao

demo: install
	$(BIN)/chipao init
	$(BIN)/chipao generate --scale demo --years 2565-2567 --defects 0.001
	mkdir -p $(CHIPAO_HOME)/landing/targets
	cp -n synthetic/demo_targets.yaml $(CHIPAO_HOME)/landing/targets/TH.yaml
	$(BIN)/chipao run --years 2565-2567

# The browser tests read the Dagster UI and the packs in Debian's Chromium, with Thai fonts; as
# root on Debian it is installed here, elsewhere those tests skip and say how to install it.
browser:
	@{ command -v chromium && fc-list :lang=th | grep -q .; } >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  chromium fonts-thai-tlwg >/dev/null; } \
	  || echo "chromium is not installed: the browser tests skip (apt-get install chromium fonts-thai-tlwg)"

# a worker per core; a session's costly fixtures (the tiny run, the publishing story) are
# built once per worker that needs them
test: install browser
	$(BIN)/python -m pytest -q -n auto --dist loadgroup

dev: install
	$(BIN)/chipao init
	@echo "Dagster UI: http://127.0.0.1:$(DAGSTER_PORT) (code location chipao; Ctrl-C stops it)"
	VIRTUAL_ENV=$(CURDIR)/$(VENV) PATH=$(CURDIR)/$(BIN):$$PATH DAGSTER_HOME=$(CHIPAO_HOME)/dagster dg dev --host 127.0.0.1 --port $(DAGSTER_PORT)

# the webserver and the daemon as on a server (docs/operators-service.md): settings from
# CHIPAO_HOME/chipao.env or /etc/chipao/chipao.env when there, alerts to CHIPAO_HOME/logs/alerts.log
serve: install
	$(BIN)/chipao init
	$(BIN)/chipao serve

notebooks: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,notebooks]'
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1

bench: install
	$(BIN)/python -m measures.bench
	$(BIN)/chipao bench --scale demo --years 2565-2566

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(CHIPAO_HOME)
