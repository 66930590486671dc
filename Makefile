# multinic.vmotion — build, test and demo from a fresh clone.
# Needs Python 3.12 (the newest stack: ansible-core 2.21 needs 3.12+) and, for the compat gate, Python 3.11; make, git,
# unzip and the package registries (PyPI). tests/utils/find_python.sh finds each on PATH or under pyenv;
# `make PYTHON=/path/to/python3.12` names one.

PYTHON       ?= $(shell bash tests/utils/find_python.sh 3.12)
VENV         := $(CURDIR)/.venv
BIN          := $(VENV)/bin
BUILD        := $(CURDIR)/build
COLL_ROOT    := $(BUILD)/collections
COLL_DIR     := $(COLL_ROOT)/ansible_collections/multinic/vmotion
# community.vmware and vmware.vmware come from the ansible bundle on PyPI (Galaxy is not reachable): the newest stack
# of tests/compat/stacks.yml, which the compat gate checks this venv against.
ANSIBLE_BUNDLE := ansible==14.5.0
GET_PIP_DIR  := $(HOME)/.ansible/test/cache

export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT)

.PHONY: help venv deps collection test sanity units simulator-tests integration lint docs build-install \
        builder compat browser browser-deps demo bench stress interop clean

help:
	@echo "make collection - .venv/ (the newest stack) and the collection laid out under build/collections, to run it"
	@echo "make test   - every gate on the newest stack (sanity, units, simulator, integration, lint, docs, build+install, builder,"
	@echo "              browser) and the compat matrix on the others (tests/compat/stacks.yml)"
	@echo "make compat - the compat matrix alone: each stack's unit tests, ansible-doc and smoke on the simulator"
	@echo "make browser - the HTML report in headless Chromium (installs Debian's chromium with apt-get when missing)"
	@echo "make demo   - the seed fleet on the simulator: audit, fix, audit again"
	@echo "make bench  - benchmarks against community.vmware (long; not part of make test)"
	@echo "make stress - long reliability runs (not part of make test)"
	@echo "make interop - a Go client on Debian's govmomi against the simulator (installs golang-go with apt-get; not part of make test)"

$(BIN)/.installed: requirements.txt tests/requirements.txt tests/simulator/requirements.txt
	@test -n "$(PYTHON)" || { echo "no Python 3.12 found (see above); make PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt -r tests/requirements.txt
	touch $@

venv: $(BIN)/.installed

$(BUILD)/.deps: $(BIN)/.installed
	mkdir -p $(BUILD)/wheels $(COLL_ROOT)
	$(BIN)/pip download -q --disable-pip-version-check --no-deps $(ANSIBLE_BUNDLE) -d $(BUILD)/wheels
	rm -rf $(COLL_ROOT)/ansible_collections/community $(COLL_ROOT)/ansible_collections/vmware
	unzip -q -o $(BUILD)/wheels/$(subst ==,-,$(ANSIBLE_BUNDLE))-py3-none-any.whl 'ansible_collections/community/vmware/*' \
	    'ansible_collections/vmware/vmware/*' -d $(COLL_ROOT)
	# ansible-test fetches get_pip_<its pip version>.py from a host not reachable here: the stand-in under that name
	mkdir -p $(GET_PIP_DIR)
	cp tests/utils/get_pip_standin.py $(GET_PIP_DIR)/get_pip_$$($(BIN)/python -c "from ansible_test._internal.python_requirements \
	    import get_venv_packages as p; from types import SimpleNamespace as N; print(p(N(version='x'))['pip'].replace('.', '_'))").py
	touch $@

deps: $(BUILD)/.deps

# ansible-test wants the collection at .../ansible_collections/multinic/vmotion: copy the tree there.
collection: deps
	rm -rf $(COLL_DIR)
	mkdir -p $(COLL_DIR)
	tar -c --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./tests/output \
	    --exclude='__pycache__' --exclude=.pytest_cache --exclude=.hypothesis --exclude='*.tar.gz' . | tar -x -C $(COLL_DIR)
	# ansible-test lists files with git; build/ is ignored by the outer repo, so the copy gets its own.
	cd $(COLL_DIR) && git init -q && git add -A

# Headless Chromium for the browser gate (Debian's package; about 30 s once). Failing to install is not fatal here:
# the browser gate then FAILS and says why.
browser-deps:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q --no-install-recommends chromium) \
	  || echo "!!! could not install chromium: the browser gate will fail" >&2

test: collection browser-deps
	VENV=$(VENV) COLL_DIR=$(COLL_DIR) COLL_ROOT=$(COLL_ROOT) bash tests/utils/gates.sh all

sanity units simulator-tests integration lint docs build-install builder compat: collection
	VENV=$(VENV) COLL_DIR=$(COLL_DIR) COLL_ROOT=$(COLL_ROOT) bash tests/utils/gates.sh $@

browser: collection browser-deps
	VENV=$(VENV) COLL_DIR=$(COLL_DIR) COLL_ROOT=$(COLL_ROOT) bash tests/utils/gates.sh $@

demo: collection
	VENV=$(VENV) COLL_DIR=$(COLL_DIR) COLL_ROOT=$(COLL_ROOT) bash tests/utils/demo.sh

# Benchmarks against community.vmware on the simulator (see tests/bench/run_bench.py --help), e.g.
#   make bench BENCH_ARGS="--sizes 12,64 --latency-ms 5 --forks 8"
# Results (results.md, results.json, bench.png) go to tests/output/bench of this checkout.
bench: collection
	$(BIN)/pip install -q --disable-pip-version-check -r tests/bench/requirements.txt
	cd $(COLL_DIR) && $(BIN)/python tests/bench/run_bench.py --output $(CURDIR)/tests/output/bench $(BENCH_ARGS)

stress: collection
	VENV=$(VENV) COLL_DIR=$(COLL_DIR) COLL_ROOT=$(COLL_ROOT) bash tests/utils/gates.sh stress

# A client that is not pyVmomi: tests/interop/govmomi_network (README there), built offline in GOPATH mode on Debian's
# golang-github-vmware-govmomi-dev (its sources live in /usr/share/gocode), run against the simulator in both modes.
GOVMOMI_SRC := /usr/share/gocode/src/github.com/vmware/govmomi
interop: venv
	@(command -v go >/dev/null && test -d $(GOVMOMI_SRC)) || (apt-get update -q && apt-get install -y -q --no-install-recommends golang-go golang-github-vmware-govmomi-dev)
	cd tests/interop/govmomi_network && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE=$(BUILD)/go-cache \
	    go build -o $(BUILD)/interop/govmomi-network .
	$(BIN)/python tests/interop/run_interop.py $(BUILD)/interop/govmomi-network

clean:
	rm -rf $(BUILD) tests/output
