# Two commands do everything on a fresh clone; both create .venv when it is missing.
#   make figures   regenerate every notebook with the quick profile (CPU, minutes)
#   make extended  the long CPU runs (every notebook; 20 min to 2 h each), stored under figures/extended/
#   make test      lint, unit tests (with every notebook's full-profile smoke), then every
#                  notebook re-executed under nbval
#   make smoke-cuda  the full-profile smoke on a GPU (DEVELOPERS.md)
#   make gpu       a GPU slot: the batched-ensemble timings, then the full profiles piece by piece
#                  (make gpu-plan: what fits; BUDGET=minutes, 8 by default)
#   make report    the static HTML reproduction report under site/ (open site/index.html)
# Data: $COMPANION_DATA, else data/ at the project root (downloaded there when online).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
JOBS   ?= 2
# CPU kernels pinned to AVX2 code paths: the same floats on any x86 machine with AVX2, so stored
# notebook outputs compare under nbval across machines (companion.runner.PINNED_CPU_ENV).
export ATEN_CPU_CAPABILITY ?= avx2
export MKL_CBWR ?= AVX2
export ONEDNN_MAX_CPU_ISA ?= AVX2

.PHONY: venv figures extended test lint full smoke smoke-cuda gpu gpu-plan clean-cache report

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet -e .
	touch $@

figures: venv
	$(BIN)/companion regenerate --profile quick --jobs 1

# its own results cache, so that a long run never competes with the quick one's entries; 05 runs
# CIFAR-10 -> SVHN only (its 28x28 pairs decide nothing below the paper's epochs: its budget table)
EXTENDED_CACHE ?= .cache/extended
extended: venv
	COMPANION_CACHE=$(EXTENDED_CACHE) $(BIN)/companion regenerate --profile extended --only 01 02 03 04 06 --jobs 1
	COMPANION_CACHE=$(EXTENDED_CACHE) $(BIN)/companion run 05 --profile extended -p datasets "['cifar10']"

full: venv
	$(BIN)/companion regenerate --profile full --jobs 1

# every notebook's full profile at tiny sizes (a code-path check), timed; result in benchmarks/results/
smoke: venv
	$(BIN)/python benchmarks/full_smoke.py --device cpu

smoke-cuda: venv
	$(BIN)/python benchmarks/full_smoke.py --device cuda

# First the batched ensembles' exactness on CUDA (float64, tests/test_batched_sweeps.py; if it fails the
# pieces train run by run) and their speed-ups (stored in benchmarks/results/), each capped, then the
# pieces within BUDGET minutes (8 by default): about 12 minutes in all, inside a 15-minute slot.
gpu: venv
	-timeout 60 $(BIN)/python benchmarks/bench_ensembles.py --device cuda --members 3 9 --rounds 2
	-timeout 60 $(BIN)/python benchmarks/bench_batched_sweep.py --device cuda --members 6 18 --rounds 2
	-timeout 60 $(BIN)/python benchmarks/bench_batched_sweep.py --sweep 01 --device cuda --members 4 12 --rounds 2 --steps 100
	-timeout 60 $(BIN)/python benchmarks/bench_batched_sweep.py --sweep 03 --device cuda --members 3 6 --rounds 2
	if timeout 120 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_batched_sweeps.py -k cuda; \
	then $(BIN)/companion gpu --budget $(or $(BUDGET),8); \
	else $(BIN)/companion gpu --budget $(or $(BUDGET),8) --sequential; fi

gpu-plan: venv
	$(BIN)/companion gpu --plan --budget $(or $(BUDGET),12)

lint: venv
	$(BIN)/ruff check .

# Unit tests in two pytest-xdist workers (work stealing; tests/conftest.py puts the long full
# smokes first), then the notebooks one after another under nbval, each training in JOBS
# processes. (Two notebooks at once were measured slower: four single-thread trainers on two
# cores; and with one trainer each, 2931 s against 2716 s, the kernels' two-thread evaluation
# cells starved: benchmarks/README.md, stop 23.) TEST_WORKERS=0: one process.
# nbval compares outputs only on the float platform (CPU vendor, torch) they were made on, and
# elsewhere runs every cell without comparing numbers (--nbval-lax; companion/float_platform.py).
TEST_WORKERS ?= 2
test: lint
	cache=$${COMPANION_CACHE:-$$(mktemp -d)}; \
	COMPANION_CACHE=$$cache COMPANION_JOBS=$(JOBS) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal \
	  tests --durations=10 && \
	mode=$$($(BIN)/python -m companion.float_platform nbval-mode notebooks/*.ipynb) && \
	COMPANION_CACHE=$$cache COMPANION_JOBS=$(JOBS) $(BIN)/python -m pytest notebooks $$mode --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 1800 --durations=10

# the static HTML reproduction report: every claim, diagnostic and coverage table, every notebook (site/)
report: venv
	$(BIN)/companion report

clean-cache:
	rm -rf .cache/companion
