# Two commands for a new user: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen
DEMO_PLANS ?= 5000
PORT ?= 8501
# Sign-in: the secrets file with the [auth] section (default .streamlit/secrets.toml), and the
# address to listen on (default 127.0.0.1 from .streamlit/config.toml; see docs/sign-in.md).
SIP_SECRETS_FILE ?=
ADDRESS ?=

.PHONY: setup run materialize demo-data dashboard dagster test test-browser browser-deps bench bench-waiting lint format clean

setup: .venv/.synced $(DAGSTER_HOME)/dagster.yaml

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

$(DAGSTER_HOME)/dagster.yaml: pipelines/dagster.yaml
	mkdir -p $(DAGSTER_HOME) && cp pipelines/dagster.yaml $@

demo-data: setup
	$(RUN) python -m pipelines.demo_data --only-if-empty --plans $(DEMO_PLANS)

materialize: setup
	$(RUN) python -m pipelines.run

dashboard: setup
	$(RUN) streamlit run dashboards/server.py --server.port $(PORT) \
		$(if $(SIP_SECRETS_FILE),--secrets.files "$(SIP_SECRETS_FILE)") \
		$(if $(ADDRESS),--server.address $(ADDRESS))

run: demo-data materialize dashboard

dagster: setup
	$(RUN) dagster dev -m pipelines.definitions

test: setup
	$(RUN) pytest -q -m "not browser" -n 2

browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)

test-browser: setup browser-deps
	$(RUN) pytest -q -m browser

# The first make run from a fresh clone, the demo and large region shapes, BENCH_PLANS
# (default 1,000,000) plans in the demo's shape, then the national shape (1,000,000 plans over
# 290 municipalities and 2,000 units; its KPI stage alone took 17 minutes); one JSON report each (README:
# "Speed and scale").
bench: setup browser-deps
	$(RUN) python -m bench.first_run --report bench/first-run.json
	$(RUN) python -m bench.run --shape demo --report bench/report-demo.json
	$(RUN) python -m bench.run --shape large --report bench/report-large.json
	$(RUN) python -m bench.run --plans $${BENCH_PLANS:-1000000} --report bench/report.json
	$(RUN) python -m bench.run --shape national --report bench/report-national.json

bench-waiting: setup
	$(RUN) python -m bench.waiting --plans $${WAITING_PLANS:-2000000} --report bench/waiting-report.json

lint: setup
	$(RUN) ruff check . && $(RUN) ruff format --check .

format: setup
	$(RUN) ruff check --fix . && $(RUN) ruff format .

clean:
	rm -rf data/warehouse .dagster_home
