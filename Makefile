# One command does the set-up: `make ask Q="..."` or `make test` create .venv if needed.
# torch's CPU build is installed before anything that depends on torch, so pip never
# pulls the multi-GB CUDA build.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
Q ?= who summoned the ambassador?

.PHONY: setup ask test bench clean
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)" || \
		$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)" --index-url $(TORCH_INDEX)
	$(BIN)/python -m pip install --quiet -e ".[test,ray]"
	touch $@

ask: setup
	$(BIN)/newsbot ask "$(Q)"

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) index
