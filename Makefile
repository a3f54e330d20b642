# riemann-nn: `make video` renders the default video, `make test` runs the tests.
# Both set everything up first (scripts/setup.sh is quick when nothing is missing).
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup video test bench clean slides

setup:
	@bash scripts/setup.sh

video: setup
	$(BIN)/riemann-nn render --quality l

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/run_all.py

# The lecture as one offline HTML file of slides (installs the manim-slides extra if missing).
SLIDES_QUALITY ?= l
slides: setup
	$(BIN)/python scripts/slides.py --quality $(SLIDES_QUALITY)

clean:
	rm -rf $(VENV) media/videos media/images media/runs media/slides media/Tex media/texts
