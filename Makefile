# riemann-nn: `make video` renders the default video, `make test` runs the tests.
# Both set everything up first (scripts/setup.sh is quick when nothing is missing).
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup video test test-fast lint bench clean slides

setup:
	@bash scripts/setup.sh

video: setup
	$(BIN)/riemann-nn render --quality l

# Everything CI runs: lint and types, the import graph, then the whole test suite (renders included).
test: setup
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy
	$(BIN)/python scripts/import_graph.py >/dev/null
	$(BIN)/python -m pytest -q

# The edit-test loop: no real renders (tests marked `render`), no set-up check.
test-fast:
	$(BIN)/python -m pytest -q -m "not render" -x

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run_all.py

# The lecture as one offline HTML file of slides (installs the manim-slides extra if missing); RUN=file.npz or
# PRESET=name tells it on that run.
SLIDES_QUALITY ?= l
slides: setup
	$(BIN)/python scripts/slides.py --quality $(SLIDES_QUALITY) $(if $(RUN),--run $(RUN)) $(if $(PRESET),--preset $(PRESET))

clean:
	rm -rf $(VENV) media/videos media/images media/runs media/slides media/Tex media/texts
