# One command does the set-up: `make ask Q="..."` or `make test` create .venv if needed.
# torch's CPU build is installed before anything that depends on torch, so pip never
# pulls the multi-GB CUDA build.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
Q ?= who summoned the ambassador?

.PHONY: setup ask test lint typecheck bench clean
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

test: setup lint typecheck
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .

# mypy sees the folders under their installed names (newsbot.bot, ...) through links
typecheck: setup
	mkdir -p .typecheck/newsbot
	for folder in bot corpus retrieval; do ln -sfn ../../$$folder .typecheck/newsbot/$$folder; done
	$(BIN)/mypy

clean:
	rm -rf $(VENV) index
