# Everything runs in a project-local virtualenv that the first target needing it creates.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
PKG := openai_files_api
# Where `make generate` writes the package; tests and the drift check point it elsewhere.
OUT ?= generated/$(PKG)
# The spec `make generate` reads; `make vendor` points it at its trial copy.
SPEC ?= openapi.yaml

# Post-hooks call ruff by name: make the pinned one the first found.
export PATH := $(BIN):$(PATH)

.PHONY: venv generate vendor check-generated lint test test-pythons demo emulator bench bench-upload \
	bench-download bench-emulator bench-vendor bench-jobs bench-jobs-disk bench-jobs-10m bench-calls \
	bench-webhooks bench-fast-mode clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[emulator]' --group dev
	touch $@

## Regenerate generated/ from openapi.yaml; any generator warning fails the build.
## The service rules client and emulator share (purposes, endpoints, limits) go beside it as data.
generate: $(STAMP)
	$(BIN)/openapi-python-client generate --path $(SPEC) --config generator-config.yaml \
		--meta none --overwrite --fail-on-warning --custom-template-path templates --output-path $(OUT)
	PYTHONPATH=tools $(BIN)/python -m openai_files_spec rules --spec $(SPEC) --output $(OUT)/service_rules.json

## Vendor an upstream spec (UPSTREAM=<path or URL>) into openapi.yaml and regenerate. Both are made in
## a temporary folder and installed only when nothing breaks the overlay, the generator warns about
## nothing and every operation is there; otherwise openapi.yaml and generated/ stay as they were, and the
## first line says why. The report ends with the next steps: each new operation and what serves it.
## VENDOR_FLAGS= (empty) accepts changes that break the overlay's imports; the tests then show where.
VENDOR_FLAGS ?= --strict
SPEC_TOOL := PYTHONPATH=tools $(BIN)/python -m openai_files_spec
UNCHANGED := openapi.yaml and generated/ are unchanged
vendor: $(STAMP)
	@test -n "$(UPSTREAM)" || { echo "usage: make vendor UPSTREAM=<path or URL of OpenAI's openapi.yaml>"; exit 2; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	refuse() { echo "make vendor: refused: $$1; $(UNCHANGED)" >&2; cat "$$tmp/log"; sed '/^next steps:/,$$d' "$$tmp/report"; exit 1; } && \
	{ $(SPEC_TOOL) vendor "$(UPSTREAM)" $(VENDOR_FLAGS) --output "$$tmp/openapi.yaml" >"$$tmp/report" || \
		{ cat "$$tmp/report"; echo "make vendor: $(UNCHANGED)" >&2; exit 1; }; } && \
	{ $(MAKE) --no-print-directory generate SPEC="$$tmp/openapi.yaml" OUT="$$tmp/$(PKG)" >"$$tmp/log" 2>&1 || \
		refuse "openapi-python-client failed or warned on the vendored spec (its output, then the report)"; } && \
	{ $(SPEC_TOOL) check-operations --spec "$$tmp/openapi.yaml" --package "$$tmp/$(PKG)" >"$$tmp/log" 2>&1 || \
		refuse "the generated package lacks operations (listed below, then the report)"; } && \
	cp "$$tmp/openapi.yaml" openapi.yaml && rm -rf $(OUT) && mkdir -p $(dir $(OUT)) && cp -R "$$tmp/$(PKG)" $(OUT) && \
	echo "make vendor: wrote openapi.yaml and $(OUT), every operation generated in its four forms with request_kwargs and parse_response" && cat "$$tmp/report"

## Fail, showing the diff, when generated/ is not what openapi.yaml generates.
check-generated: $(STAMP)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(MAKE) --no-print-directory generate OUT="$$tmp/$(PKG)" >/dev/null && \
	diff -ru --exclude=__pycache__ "$$tmp/$(PKG)" generated/$(PKG) && \
	echo "generated/ matches openapi.yaml"

lint: $(STAMP)
	$(BIN)/ruff check overlay emulator tools examples tests bench noxfile.py
	$(BIN)/ruff format --check overlay emulator tools examples tests bench noxfile.py
	$(BIN)/mypy

## The whole suite: drift check, lint, then every test.
test: check-generated lint
	$(BIN)/pytest

## The client and emulator suites on Python 3.12 and 3.13 (noxfile.py), each in a fresh virtualenv, one
## after the other (side by side they took longer on two cores). Where pyenv manages the interpreters,
## its 3.12.x and 3.13.x are put on PATH for the run.
test-pythons: $(STAMP)
	PYENV_VERSION="$$(pyenv versions --bare 2>/dev/null | grep -xE '3\.1[23]\.[0-9]+' | paste -sd: -)" \
		$(BIN)/nox $(NOX_ARGS)

## The main job: a scripted session against the local emulator.
demo: $(STAMP)
	$(BIN)/python examples/demo.py

## The emulator in the foreground on 127.0.0.1:$(PORT).
emulator: $(STAMP)
	$(BIN)/openai-files-emulator --host 127.0.0.1 --port $(PORT)

## Every benchmark, one table each (heavy: minutes, and a few GiB of temporary data; CI does not run it).
bench: bench-upload bench-download bench-emulator bench-vendor bench-jobs bench-calls bench-webhooks bench-fast-mode

## 10 MB to 1 GiB uploaded by our client, the official SDK and parallel curl, on loopback and two simulated
## WAN links; create_from_file against the SDK; files.create as one request or as parts.
bench-upload: $(STAMP)
	$(BIN)/python bench/upload.py --paths

## Small calls (files.retrieve): per-call latency, 1,000 at once as tasks and from threads, ours and the SDK.
bench-calls: $(STAMP)
	$(BIN)/python bench/calls.py

## Peak client RSS while downloading a 512 MiB file; then ours (parallel ranges, one stream) beside the
## official SDK on loopback and on a simulated WAN link (25 MB/s per connection + 50 ms).
bench-download: $(STAMP)
	$(BIN)/python bench/download_rss.py
	$(BIN)/python bench/download.py

## A generated 1 GB, 1,000,000-request JSONL through a batch job on the emulator, once with each JSON parser
## (json; msgspec, the `fast` extra): preparation, merge and streaming the results back beside bare
## json.loads loops, the client's peak RSS and the manifest's size.
bench-jobs: $(STAMP)
	$(BIN)/python bench/jobs.py

## The million-request job once, with the standard library's parser, on disk (/var/tmp) as the scale row
## below runs: its time per request beside that row's says whether time grows linearly with the job.
bench-jobs-disk: $(STAMP)
	$(BIN)/python bench/jobs.py --trials 1 --parsers json --scratch /var/tmp --results-name jobs-disk

## The scale row, not part of `make bench`: 10,000,000 requests (10 GB of JSONL, about 50 GB of scratch
## disk, the better part of an hour on 2 cores), one trial, with the standard library's parser; time per
## request beside bench-jobs' (linear?), the client's peak RSS, the manifest's size.
bench-jobs-10m: $(STAMP)
	$(BIN)/python bench/jobs.py --requests 10000000 --trials 1 --parsers json --results-name jobs-10m

## How soon a job of 20 batches ends after its last batch: woken by webhook events, or polling only.
bench-webhooks: $(STAMP)
	$(BIN)/python bench/webhook_wake.py

## How long a test waits for one batch: the pytest plugin's fast mode beside the default pace.
bench-fast-mode: $(STAMP)
	$(BIN)/python bench/fast_mode.py

## The emulator's own figures: ingest of 64 MiB parts from parallel curl, and peak RSS over a 2 GiB upload.
bench-emulator: $(STAMP)
	$(BIN)/python bench/emulator_ingest.py

## How long `make vendor` takes on the upstream spec (UPSTREAM=<path>, else ../shared/upstream/), step by step;
## the working tree is not touched.
bench-vendor: $(STAMP)
	UPSTREAM="$(UPSTREAM)" $(BIN)/python bench/vendor.py

clean:
	rm -rf $(VENV) .nox .mypy_cache .ruff_cache .pytest_cache
