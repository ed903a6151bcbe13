# Two commands: `make demo` and `make test`. Each sets itself up from nothing
# (Python 3.11+ and make are all it assumes) and is quick once set up.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (found %s)" % sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@# pysparkplug (an independent Sparkplug peer for tests) pins paho-mqtt<2 for its client,
	@# which we do not use; its payload codec works beside paho 2, so it goes in without deps.
	$(PY) -m pip install --quiet --no-deps 'pysparkplug>=0.5'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/hub demo

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	@if command -v promtool >/dev/null 2>&1; then \
		promtool check config dashboards/prometheus/prometheus.yml && \
		promtool check rules dashboards/prometheus/alerts.yml && \
		promtool test rules dashboards/prometheus/alerts_test.yml; \
	else echo "promtool not installed: Prometheus config and rules not checked"; fi

bench: $(STAMP)
	$(VENV)/bin/hub bench --json bench.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache hub.db hub.db-* demo-*.json bench.json
