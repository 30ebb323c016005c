# The README's two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: run test install bench chromium clean

$(STAMP): pyproject.toml constraints.txt setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# torch: without an NVIDIA GPU, the CPU build from PyTorch's CPU wheel index; where that
	@# index cannot be reached, what pip finds (a PyPI-only resolve brings the CUDA build)
	if command -v nvidia-smi >/dev/null 2>&1; then \
	  $(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0; \
	else \
	  $(BIN)/python -m pip install --quiet --timeout 15 --retries 1 --index-url $(TORCH_CPU_INDEX) \
	    -c constraints.txt torch==2.13.0 \
	  || $(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0; \
	fi
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/wissensgraph build
	$(BIN)/wissensgraph serve

test: $(STAMP) chromium
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

# Browser tests drive Debian's Chromium; installed here when missing (needs root), else skipped.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium fehlt und ohne root nicht installierbar: Browser-Tests werden übersprungen"; fi; }

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.sparql

clean:
	rm -rf $(VENV) var
