# crm-ve developer entry points. `make example` and `make test` each do all set-up they need on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DESTDIR ?=

.PHONY: example test test-fast deps venv install man bench clean deb

# Tests run on every core (pytest-xdist); pytest keeps its rewritten test modules in __pycache__ even where the
# environment says not to write bytecode (rewriting them all again costs several seconds a run).
WORKERS ?= auto
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup

## Debian packages with the real Pacemaker tools (needs root; a no-op when they are installed).
deps:
	scripts/install-debian-deps

## The project and its test tools in a virtualenv (re-run when setup.cfg changes). With PACKAGES=debian (the package
## build, debian/rules), offline: the test tools are Debian's own python3 packages and pip installs only the project.
PACKAGES ?= pypi
venv: $(VENV)/.installed
$(VENV)/.installed: setup.cfg pyproject.toml tests/plugins/crm-ve-vm/setup.cfg
ifeq ($(PACKAGES),debian)
	$(PYTHON) -m venv --system-site-packages $(VENV)
	$(BIN)/pip install -q --no-index --no-deps --no-build-isolation -e . ./tests/plugins/crm-ve-vm
else
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q ./tests/plugins/crm-ve-vm
endif
	touch $@

## Check the bundled examples: the correct stack is clean (exit 0), the broken one has errors (exit 1).
example: venv
	$(BIN)/crm-ve check examples/good-stack.xml
	$(BIN)/crm-ve check examples/broken-stack.xml; test $$? -eq 1

## Every test that needs no Pacemaker tool, no root and no cluster (about two minutes): run it every few minutes.
## The Pacemaker tools are shims on PATH that fail the test that runs one (tests/conftest.py); tests that sweep many
## cases (the scheduler corpus, property tests) run a fixed part of them (tests/support/sweep.py).
## With PACKAGES=debian it leaves out, and names, the tests that need a package at a version Debian 12 lacks (marker
## pypi: docutils 0.22 renders the committed man pages, vermin is not packaged).
FAST_LEFT_OUT = tools or machine$(if $(filter debian,$(PACKAGES)), or pypi)
FAST_PYPI_NOTE = left out: the tests marked pypi (docutils 0.22, vermin: not in Debian 12); make test runs them
test-fast: venv
	@$(if $(filter debian,$(PACKAGES)),echo "$(FAST_PYPI_NOTE)",true)
	$(PYTEST) -q -m "not ($(FAST_LEFT_OUT))" --forbid-tools --sample-sweeps

## The whole test suite, with the real tools (as root: live-cluster, agent-install and namespace tests need it).
## First every test that leaves the machine's cluster and OCF directory alone, on every core; then the live,
## two-node and install tests, one at a time (a package install needs the agent to itself, which another worker's
## session would hold). Each pass ends with its 20 slowest tests and its time.
MACHINE_TESTS = live or twonode or machine
test: deps venv
	status=0; \
	$(PYTEST) -m "not ($(MACHINE_TESTS))" --durations=20 || status=$$?; \
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -p no:xdist -m "$(MACHINE_TESTS)" --durations=20 \
	    || status=$$?; \
	exit $$status

## Place the agent, templates, scripts and man pages where the cluster looks (see crm-ve install --help).
install: venv
	$(BIN)/crm-ve install --destdir "$(DESTDIR)"

## Regenerate man/ from the agent's meta-data, the CLI and the rules.
man: venv
	$(BIN)/crm-ve man

## The Debian package ../crm-ve_<version>-1_all.deb, with Debian's own tools (make deps installs them); offline.
deb:
	dpkg-buildpackage -b -us -uc --post-clean

bench: venv
	for b in bench/agent_monitor.py bench/validator_speed.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
