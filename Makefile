# rocktop developer targets. `make demo` and `make test` are the README's first two commands.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# The CPU build lies on the dev/CI machines' disk; GPU users override, e.g.
#   make setup TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
TORCH_SPEC ?= torch==2.13.0
SYSTEM_PACKAGES := ffmpeg sox espeak-ng flite libsndfile1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_DIR ?= demo-out

.PHONY: help setup sysdeps test lint typecheck pytest bench demo demo-audio demo-serve clean serve openapi

help:
	@echo "make sysdeps  - install system packages ($(SYSTEM_PACKAGES)) with apt-get"
	@echo "make setup    - create $(VENV) (torch first, then rocktop[all,dev]); idempotent"
	@echo "make demo     - the main job on embedded defaults: demo-audio + demo-serve ($(DEMO_DIR)/)"
	@echo "make demo-audio - prepare and master a spoken sentence (rocktop audio prep/master)"
	@echo "make test     - lint, typecheck and the test suite"
	@echo "make bench    - run benchmarks/ (prints JSON)"
	@echo "make serve    - run the inference service on 127.0.0.1:8080 (models in ./models)"
	@echo "make openapi  - regenerate docs/openapi.json"
	@echo "make demo-serve - start the service, call /tts, /rvc, /synthesize with a tiny voice, stop"

sysdeps:
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES)

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# pip 23's resolver backtracks for many minutes on the full extras; 25+ resolves in seconds.
	$(PY) -m pip install -q --upgrade "pip>=25,<27"
	$(PY) -m pip install -q $(TORCH_SPEC)
	$(PY) -m pip install -q -e ".[all,dev]"
	touch $@

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts

typecheck: setup
	$(BIN)/mypy src/rocktop

pytest: setup
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: setup
	@for script in benchmarks/bench_*.py; do echo "== $$script" >&2; $(PY) $$script || exit 1; done

demo: demo-audio demo-serve

demo-audio: setup
	mkdir -p $(DEMO_DIR)
	espeak-ng -v en-us -s 150 -w $(DEMO_DIR)/raw.wav \
	  "rocktop prepares studio grade voice audio at forty eight kilohertz."
	$(BIN)/rocktop audio prep $(DEMO_DIR)/raw.wav $(DEMO_DIR)/prepared.wav --trim --highpass 30
	$(BIN)/rocktop audio master $(DEMO_DIR)/prepared.wav $(DEMO_DIR)/mastered.wav \
	  --lufs -19 --true-peak -1 --bits 16
	$(BIN)/rocktop audio info $(DEMO_DIR)/raw.wav $(DEMO_DIR)/prepared.wav $(DEMO_DIR)/mastered.wav

serve: setup
	$(BIN)/rocktop serve

demo-serve: setup
	$(PY) scripts/serve_demo.py $(DEMO_DIR)/serve

openapi: setup
	$(BIN)/rocktop serve --print-openapi > docs/openapi.json

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
