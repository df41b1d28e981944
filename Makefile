# Two commands do everything on a fresh clone; both create .venv when it is missing.
#   make figures   regenerate every notebook with the quick profile (CPU, minutes)
#   make test      unit tests + every notebook re-executed under nbval
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
JOBS   ?= 2
export COMPANION_DATA ?= data

.PHONY: venv figures test full clean-cache

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

figures: venv
	$(BIN)/companion regenerate --profile quick --jobs 1

full: venv
	$(BIN)/companion regenerate --profile full --jobs 1

test: venv
	COMPANION_CACHE=$${COMPANION_CACHE:-$$(mktemp -d)} COMPANION_JOBS=$(JOBS) \
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 1800

clean-cache:
	rm -rf .cache/companion
