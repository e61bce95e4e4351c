# fgia: the two commands are `make reproduce` and `make test`. Both install
# what is missing first (scripts/install_deps.sh: Debian packages, .venv,
# GoNB + goimports, the kernel, node packages), so they work on a fresh
# machine. Nothing downloads at run time.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN    := build/bin
FGIA   := $(BIN)/fgia
DATA   := data/webfashion
LABELS := data/webfashion-labels
REPORT := reports
REPRO  := $(REPORT)/reproduce
QUICK  := build/reproduce-quick

# GoMLX must never pick a backend by itself (unset, it tries to download one):
# fgia/backend chooses (GOMLX_BACKEND if set, else the XLA CPU plugin that
# `make deps` installs, else the pure-Go backend), and tests name theirs.
export GOMLX_NO_AUTO_INSTALL := 1

.PHONY: help deps deps-bench build install data reproduce reproduce-reference reproduce-quick test lint gotest interop notebooks notebooks-refresh browser bench-scan bench-vit demo-accuracy clean

help:
	@echo "make reproduce   install what is missing, build the demo set, clean it, write $(REPORT)/data, run the demo ablation (one seed) into build/reproduce/<commit> and compare it with $(REPRO)"
	@echo "make reproduce-reference  the committed reference: the demo ablation with three seeds in build/reference (hours; resumable), published to $(REPRO) when it finished"
	@echo "make bench-realistic  fgia against timm (PyTorch) and JAX at ViT-S/16-224 and Swin-V2-T-256 on the CPU (writes $(REPORT)/bench-realistic.md)"
	@echo "make bench-gemm  the matrix products of a ViT-S/16 block alone: XLA's GEMMs against OpenBLAS (writes $(REPORT)/gemm-shapes.md)"
	@echo "make test        install what is missing, vet, go test, Parquet interop, notebooks (copies under build/notebooks), browser check"
	@echo "make install     go install fgia onto PATH"
	@echo "make notebooks-refresh  execute notebooks/*.ipynb in place and sign them, to commit their outputs (NOTEBOOKS=notebooks/01_data.ipynb for one)"
	@echo "make bench-scan  scan benchmark against its Python peer (writes $(REPORT)/bench-scan.txt)"
	@echo "make bench-vit   fgia bench against PyTorch on the CPU (writes $(REPORT)/bench-vit.txt)"
	@echo "make demo-accuracy  train demo-vit-fmnist on balanced Fashion-MNIST (about 15 min) and score it (reports/demo-accuracy.md)"
	@echo "make gpu-binary  cross-build fgia for a GPU machine into build/gpu/ (then scripts/gpu_bench.sh there; docs/gpu.md)"

deps:
	scripts/install_deps.sh

build:
	go build -buildvcs=true -o $(FGIA) ./fgia/cmd/fgia

# Puts fgia on PATH: go install writes it to $(go env GOBIN), or
# $(go env GOPATH)/bin, which must be on PATH. Its XLA CPU plugin is found
# through FGIA_XLA_PLUGIN or build/xla/ above the working folder.
install:
	go install -buildvcs=true ./fgia/cmd/fgia
	@dir=$$(go env GOBIN); [ -n "$$dir" ] || dir=$$(go env GOPATH)/bin; \
	echo "installed $$dir/fgia (put $$dir on PATH); outside this repository the XLA CPU plugin is found with FGIA_XLA_PLUGIN=$(CURDIR)/build/xla/pjrt_c_api_cpu_plugin.so"

data: deps build
	$(FGIA) demo-data --out $(DATA) --labels-dir $(LABELS) --reuse

# The main job: the data stage, then the demo recipe as an ablation with the
# full budget, one seed, into a fresh folder of its own (one per commit;
# rerunning continues a killed run), then its rows against the committed
# reference $(REPRO) (three seeds), difference by difference against the
# reference's intervals.
REPRO_OUT := build/reproduce/$(shell git rev-parse --short HEAD 2>/dev/null || echo local)

reproduce: data
	@start=$$SECONDS; \
	$(FGIA) clean --data $(DATA); \
	$(FGIA) stats --data $(DATA) --labels-dir $(LABELS) --out $(REPORT)/data; \
	$(FGIA) reproduce --data $(DATA) --labels-dir $(LABELS) --recipe demo --budget full --out $(REPRO_OUT) --compare $(REPRO); \
	echo "reproduce: done in $$((SECONDS - start)) s; table in $(REPRO_OUT)/ablation.md, comparison in $(REPRO_OUT)/compare.md"

# The committed reference: the same with SEEDS seeds (three: about 3.5 hours
# on 2 idle cores), run in $(REF_WORK) (resumable, so it may span sessions;
# a later run with more seeds reuses the seeds already made), then published
# to $(REPRO) without its runs and lists, only once it finished: the
# committed reference is never half old, half new.
REF_WORK := build/reference
SEEDS    := 3
reproduce-reference: data
	$(FGIA) clean --data $(DATA)
	$(FGIA) reproduce --data $(DATA) --labels-dir $(LABELS) --recipe demo --budget full --seeds $(SEEDS) --out $(REF_WORK)
	rm -rf $(REPRO) && mkdir -p $(REPRO)
	tar -C $(REF_WORK) --exclude='./seed-*/runs' --exclude='./seed-*/lists' --exclude='./lists' --exclude='./.lock' -cf - . | tar -C $(REPRO) -xf -

# The quick budget on a set of about 1K training images: what notebooks 04
# and 05 read. Resumable, and skipped when done.
reproduce-quick: deps build
	$(FGIA) demo-data --quick --out $(QUICK)/data --labels-dir $(QUICK)/labels --reuse >/dev/null
	$(FGIA) reproduce --data $(QUICK)/data --labels-dir $(QUICK)/labels --recipe quick --budget quick --out $(QUICK)/out

test: deps build lint gotest interop notebooks browser
	@echo "make test: all checks passed"

lint:
	@unformatted=$$(gofmt -l fgia); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...

gotest:
	go test ./...

# The manifest a fresh cleaning run writes must read the same in DuckDB and
# pandas, with one row per file and per annotation line.
interop: build
	rm -rf build/interop
	$(FGIA) demo-data --out build/interop/data --labels-dir build/interop/labels --max-per-class 300 --test-per-class 10 >/dev/null
	$(FGIA) clean --data build/interop/data >/dev/null
	EXPECT_ROWS=$$(wc -l < build/interop/data/meta/train.txt) \
	  scripts/check_parquet.sh build/interop/data/meta/manifest.parquet reason
	scripts/check_parquet.sh build/interop/data/meta/manifest.parquet status

# Executes a copy of every notebook under build/notebooks/ (the tracked ones
# stay as committed), failing on any error or machine path in an output;
# 02_finetune's prediction file must then read the same in DuckDB and
# pandas too, and Tab completion (GoNB + gopls) must answer.
notebooks: deps reproduce-quick
	scripts/run_notebooks.sh execute
	scripts/check_parquet.sh build/notebooks/02_finetune/pred_testb.parquet pred
	scripts/run_notebooks.sh complete

# Executes the notebooks in place and signs them, for committing their
# outputs (fails on a machine path in an output). NOTEBOOKS=... for some.
notebooks-refresh: deps reproduce-quick
	scripts/run_notebooks.sh refresh $(NOTEBOOKS)

browser: deps
	scripts/run_notebooks.sh browser notebooks/01_data.ipynb build/test-artifacts

bench-scan: deps build
	scripts/bench_scan.sh

# The PyTorch peer: Debian's python3-torch with the pthreads OpenBLAS.
deps-bench:
	@dpkg-query -W -f='$${Status}' python3-torch 2>/dev/null | grep -q "install ok installed" && \
	 dpkg-query -W -f='$${Status}' libopenblas0-pthread 2>/dev/null | grep -q "install ok installed" || \
	 { apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread || \
	   { apt-get update && apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread; }; }

demo-accuracy: deps build
	scripts/demo_accuracy.sh

bench-vit: deps deps-bench build
	scripts/bench_vit.sh

clean:
	rm -rf build data/webfashion data/webfashion-labels data/bench-scan

# GPU machines have the CUDA PJRT plugin (jax-cuda13-pjrt) but no Go: build
# fgia here with cgo (it links only glibc: go-xla dlopens the plugin) into
# build/gpu/, the folder a GPU session carries, and run scripts/gpu_bench.sh
# there. `make gpu-bench` is the same on a machine that has both.
GPU_DIR := build/gpu

.PHONY: gpu-binary gpu-bench

gpu-binary:
	mkdir -p $(GPU_DIR)
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 go build -buildvcs=true -trimpath -ldflags="-s -w" -o $(GPU_DIR)/fgia ./fgia/cmd/fgia
	@echo "gpu-binary: $(GPU_DIR)/fgia needs glibc >= $$(objdump -T $(GPU_DIR)/fgia | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1 | cut -d_ -f2); it links:"
	@ldd $(GPU_DIR)/fgia

gpu-bench: gpu-binary
	FGIA_BIN=$(GPU_DIR)/fgia scripts/gpu_bench.sh

# timm from PyPI on Debian's python3-torch, for the timm parity fixtures and
# the export round trip (scripts/timm_fixtures.py). The fixtures are
# committed: `go test` needs none of this.
TIMM_VENV := build/timm-venv

.PHONY: deps-timm timm-fixtures timm-parity

deps-timm:
	@dpkg-query -W -f='$${Status}' python3-torch 2>/dev/null | grep -q "install ok installed" && \
	 dpkg-query -W -f='$${Status}' python3-torchvision 2>/dev/null | grep -q "install ok installed" && \
	 dpkg-query -W -f='$${Status}' libopenblas0-pthread 2>/dev/null | grep -q "install ok installed" || \
	 { apt-get install -y --no-install-recommends python3-torch python3-torchvision libopenblas0-pthread || \
	   { apt-get update && apt-get install -y --no-install-recommends python3-torch python3-torchvision libopenblas0-pthread; }; }
	@test -x $(TIMM_VENV)/bin/python || /usr/bin/python3 -m venv --system-site-packages $(TIMM_VENV)
	$(TIMM_VENV)/bin/pip install --quiet --no-deps -r scripts/timm-requirements.txt

# Rewrites the committed fixtures (fgia/pretrained/testdata/timm,
# fgia/torchfile/testdata) and notebook 07's two models (notebooks/models;
# the trained one takes a few minutes of PyTorch on 2 cores).
timm-fixtures: deps-timm
	$(TIMM_VENV)/bin/python scripts/timm_fixtures.py fixtures notebook

# Imports every fixture, exports it back, loads the export in timm and
# compares outputs; also exports runs trained by fgia: reports/timm-parity.md.
timm-parity: deps-timm build
	$(TIMM_VENV)/bin/python scripts/timm_fixtures.py roundtrip

# fgia against timm in PyTorch and against JAX at ViT-S/16-224 and
# Swin-V2-T-256 (5000 classes) on the CPU, in alternating rounds; the peers'
# venvs (build/venv-bench, build/venv-jax) are made by
# scripts/install_bench_peers.sh. About half an hour with the defaults;
# scripts/bench_realistic.sh -m vit -r 3 runs ViT-S alone (about 12 min).
.PHONY: bench-realistic bench-gemm
bench-realistic: deps deps-bench build
	scripts/bench_realistic.sh

bench-gemm: deps deps-bench
	scripts/gemm_shapes.sh
