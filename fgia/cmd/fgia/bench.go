package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/bench"
)

// benchCmd measures training and inference throughput of a backbone preset
// on random images. Its last output line is `train_img_per_s=X
// infer_img_per_s=Y`, which scripts parse.
func benchCmd(fs *flag.FlagSet) func() error {
	o := bench.DefaultOptions()
	name := fs.String("preset", bench.DefaultPreset, "backbone: "+strings.Join(bench.PresetNames(), ", "))
	classes := fs.Int("classes", 0, "classes of the linear head (0: 10 for the 28x28 models, else 5000)")
	fs.IntVar(&o.Steps, "steps", o.Steps, "timed training steps (after warm-up)")
	fs.IntVar(&o.WarmupSteps, "warmup", o.WarmupSteps, "untimed training steps, compilation included")
	batch := fs.Int("batch", 0, "training batch per device (0: 128 for the 28x28 models, else 16)")
	inferBatch := fs.Int("infer-batch", 0, "inference batch per device (0: 500 for the 28x28 models, else 64)")
	devices := fs.Int("devices", 1, "data-parallel over this many devices (GoMLX AutoSharding); 0: all of the backend's")
	matmul := fs.String("matmul", "f32", "matmul precision: f32, or bf16 (operands rounded to bf16, variables and the rest float32)")
	peak := fs.Float64("peak-tflops", bench.H100BF16DenseTFLOPS, "per-device peak for MFU: 989 is the H100's (and H200's) dense bf16 tensor-core peak")
	pjrtOpts := fs.String("pjrt-options", os.Getenv(bench.EnvPJRTOptions), "PJRT client options for an XLA backend, e.g. preallocate=false,memory_fraction=0.9 (default $"+bench.EnvPJRTOptions+")")
	return func() error {
		spec, err := bench.SpecForPreset(*name, *classes)
		if err != nil {
			return err
		}
		if *matmul != "f32" && *matmul != "bf16" {
			return fmt.Errorf("--matmul %q: want f32 or bf16", *matmul)
		}
		b, choice, err := benchBackend(*pjrtOpts)
		if err != nil {
			return err
		}
		if *matmul == "bf16" {
			b = bench.AutocastBF16(b)
		}
		n := *devices
		if n <= 0 {
			n = b.NumDevices()
		}
		tb, ib := bench.DefaultBatches(spec)
		if *batch > 0 {
			tb = *batch
		}
		if *inferBatch > 0 {
			ib = *inferBatch
		}
		o.TrainBatch, o.InferBatch = tb*n, ib*n
		r, err := bench.RunSetup(b, spec, o, bench.Setup{Devices: n})
		if err != nil {
			return err
		}
		bb, _ := spec.Backbone()
		fmt.Printf("model: %s (%d backbone parameters, %.2f GFLOP forward per image; training counted as 3x)\n", *name, bb.NumParams(), r.FLOPsPerImageFwd/1e9)
		fmt.Printf("backend: %s; %s\n", choice, b.Description())
		fmt.Printf("devices: %d of %d (batch %d per device), matmuls %s\n", n, b.NumDevices(), tb, *matmul)
		fmt.Printf("train: %.1f ms/step at batch %d, first step (compilation) %s, %.3g TFLOP/s, MFU %.3g%% of %g TFLOP/s per device\n",
			r.TrainStepMS, o.TrainBatch, r.FirstTrainStep.Round(1e6), r.TrainGFLOPPerS/1e3, 100*bench.MFU(r.TrainGFLOPPerS, *peak, n), *peak)
		fmt.Printf("infer: batch %d, first batch %s, %.3g TFLOP/s, MFU %.3g%%\n",
			o.InferBatch, r.FirstInferBatch.Round(1e6), r.InferGFLOPPerS/1e3, 100*bench.MFU(r.InferGFLOPPerS, *peak, n))
		fmt.Println(r.Line())
		return nil
	}
}

// benchBackend is the kit's backend choice, created with PJRT client options
// when some are given (they need an XLA plugin).
func benchBackend(pjrtOpts string) (backends.Backend, backend.Choice, error) {
	opts, err := bench.ParsePJRTOptions(pjrtOpts)
	if err != nil {
		return nil, backend.Choice{}, err
	}
	if len(opts) == 0 {
		bi, err := newBackend()
		if err != nil {
			return nil, backend.Choice{}, err
		}
		return bi.b, bi.c, nil
	}
	c := backend.Choose()
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	b, err := bench.NewXLABackend(c.Config, opts)
	if err != nil {
		return nil, c, err
	}
	c.Why += fmt.Sprintf("; PJRT options %v", opts)
	fmt.Fprintf(os.Stderr, "backend: %s\n", c)
	return b, c, nil
}
