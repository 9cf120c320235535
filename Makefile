# Two commands do everything on a fresh Debian/Ubuntu machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.ras-installed

.PHONY: setup run test test-fast test-audio lint format bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh scripts/debian-packages.txt
	bash scripts/setup.sh "$(VENV)"
	touch $(STAMP)

## run: set up, then the main job (ras gui with a display, else a headless session + reports)
run: setup
	bash scripts/run.sh "$(VENV)"

## test: set up, then lint and run every test (but the runs under deliberate load: make test-audio):
## those not marked timing on 2 workers, then the timing ones alone (scripts/test.sh); each part
## lists its 20 slowest, to keep the suite under its 15 minutes
test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	bash scripts/test.sh $(PY) "not load" --durations=20

## test-fast: set up, then lint and run every test not marked slow (the edit-test loop), in the
## same two parts
test-fast: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	bash scripts/test.sh $(PY) "not slow and not load"

## test-audio: only the cue-timing loopback through a PulseAudio null sink, at the spec's full
## 2 minutes of cues per run, idle and with the GIL held (make test runs 10 s, idle only)
test-audio: setup
	RAS_AUDIO_LOOPBACK_S=120 $(PY) -m pytest -m loopback tests/audio -s

lint: setup
	$(PY) -m ruff check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: setup
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
