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

.PHONY: help deps deps-bench build data reproduce reproduce-quick test lint gotest interop notebooks browser bench-scan bench-vit demo-accuracy clean

help:
	@echo "make reproduce   install what is missing, build the demo set, clean it, write $(REPORT)/data, run the full ablation into $(REPRO)"
	@echo "make test        install what is missing, vet, go test, Parquet interop, notebooks, browser check"
	@echo "make bench-scan  scan benchmark against its Python peer (writes $(REPORT)/bench-scan.txt)"
	@echo "make bench-vit   fgia bench against PyTorch on the CPU (writes $(REPORT)/bench-vit.txt)"
	@echo "make demo-accuracy  train demo-vit-fmnist on balanced Fashion-MNIST (about 15 min) and score it (reports/demo-accuracy.md)"
	@echo "make gpu-binary  cross-build fgia for a GPU machine into build/gpu/ (then scripts/gpu_bench.sh there; docs/gpu.md)"

deps:
	scripts/install_deps.sh

build:
	go build -o $(FGIA) ./fgia/cmd/fgia

data: deps build
	$(FGIA) demo-data --out $(DATA) --labels $(LABELS) --reuse

# The main job: the data stage, then the whole recipe as an ablation on the
# demo set with the full budget (resumable: rerun continues a killed run).
# Its table, plots, predictions and submission land in $(REPORT)/reproduce.
reproduce: data
	@start=$$SECONDS; \
	$(FGIA) clean --data $(DATA); \
	$(FGIA) stats --data $(DATA) --labels $(LABELS) --out $(REPORT)/data; \
	$(FGIA) reproduce --data $(DATA) --labels $(LABELS) --budget full --out $(REPRO); \
	echo "reproduce: done in $$((SECONDS - start)) s; table in $(REPRO)/ablation.md"

# The quick budget on a set of about 1K training images: what notebooks 04
# and 05 read. Resumable, and skipped when done.
reproduce-quick: deps build
	$(FGIA) demo-data --quick --out $(QUICK)/data --labels $(QUICK)/labels --reuse >/dev/null
	$(FGIA) reproduce --data $(QUICK)/data --labels $(QUICK)/labels --budget quick --out $(QUICK)/out

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
	$(FGIA) demo-data --out build/interop/data --labels build/interop/labels --max-per-class 300 --test-per-class 10 >/dev/null
	$(FGIA) clean --data build/interop/data >/dev/null
	EXPECT_ROWS=$$(wc -l < build/interop/data/meta/train.txt) \
	  scripts/check_parquet.sh build/interop/data/meta/manifest.parquet reason
	scripts/check_parquet.sh build/interop/data/meta/manifest.parquet status

# Executes every notebook; 02_finetune's prediction file must then read the
# same in DuckDB and pandas too.
notebooks: deps reproduce-quick
	scripts/run_notebooks.sh execute
	scripts/check_parquet.sh build/notebooks/02_finetune/pred_testb.parquet pred

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
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags="-s -w" -o $(GPU_DIR)/fgia ./fgia/cmd/fgia
	@echo "gpu-binary: $(GPU_DIR)/fgia needs glibc >= $$(objdump -T $(GPU_DIR)/fgia | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1 | cut -d_ -f2); it links:"
	@ldd $(GPU_DIR)/fgia

gpu-bench: gpu-binary
	FGIA_BIN=$(GPU_DIR)/fgia scripts/gpu_bench.sh

# fgia against timm in PyTorch and against JAX at ViT-S/16-224 and
# Swin-V2-T-256 (5000 classes) on the CPU, in alternating rounds; the peers'
# venvs (build/venv-bench, build/venv-jax) are made by
# scripts/install_bench_peers.sh. About half an hour with the defaults;
# scripts/bench_realistic.sh -m vit -r 3 runs ViT-S alone (about 12 min).
.PHONY: bench-realistic
bench-realistic: deps deps-bench build
	scripts/bench_realistic.sh
