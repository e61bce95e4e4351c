package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/bench"
	"github.com/fgia/fgia/fgia/model"
)

func init() {
	register(command{name: "bench", group: "other",
		summary: "training and inference throughput of a backbone preset on random images",
		doc: `Times training steps and inference batches of a backbone preset on random images on the chosen
backend, with GFLOP/s and MFU. Its last output line is "train_img_per_s=X infer_img_per_s=Y", which
scripts parse; scripts/bench_vit.sh sets it against PyTorch in the same run.`,
		usage:    "[--preset NAME] [flags]",
		examples: []string{"fgia bench --preset vit-s16-224 --batch 16 --infer-batch 64"},
		setup:    benchCmd})
}

// benchCmd measures training and inference throughput of a backbone preset
// on random images.
func benchCmd(fs *flag.FlagSet) func() error {
	o := bench.DefaultOptions()
	name := fs.String("preset", bench.DefaultPreset, "backbone: "+strings.Join(bench.PresetNames(), ", "))
	classes := fs.Int("classes", 0, "classes of the linear head (0: 10 for the 28x28 models, else 5000)")
	fs.IntVar(&o.Steps, "steps", o.Steps, "timed training steps (after warm-up)")
	fs.IntVar(&o.WarmupSteps, "warmup", o.WarmupSteps, "untimed training steps, compilation included")
	fs.IntVar(&o.InferSteps, "infer-steps", 0, "timed inference batches (0: a third of --steps, at least 5)")
	batch := fs.Int("batch", 0, "training batch, global as in fgia train: split over --devices (0: 128 a device for the 28x28 models, else 16)")
	inferBatch := fs.Int("infer-batch", 0, "inference batch, global (0: 500 a device for the 28x28 models, else 64)")
	devices := fs.Int("devices", 1, "data-parallel over this many devices (GoMLX AutoSharding); 0: all of the backend's")
	precision := fs.String("precision", model.PrecisionF32, "backbone matmul precision: f32, or bf16 (mixed precision: bf16 matmuls; variables, norms, softmax, the head and the loss float32)")
	// --matmul was the flag of an earlier bf16 switch; it now sets the same
	// model precision, so scripts that pass it keep working.
	fs.StringVar(precision, "matmul", model.PrecisionF32, "same as --precision (kept for older scripts)")
	peak := fs.Float64("peak-tflops", bench.H100BF16DenseTFLOPS, "per-device peak for MFU: 989 is the H100's (and H200's) dense bf16 tensor-core peak")
	pjrtOpts := fs.String("pjrt-options", os.Getenv(backend.EnvPJRTOptions), "PJRT client options for an XLA backend, e.g. preallocate=false,memory_fraction=0.9 (default $"+backend.EnvPJRTOptions+")")
	return func() error {
		spec, err := bench.SpecForPreset(*name, *classes)
		if err != nil {
			return err
		}
		spec.Precision = *precision
		if err := spec.Validate(); err != nil {
			return err
		}
		b, choice, err := backend.NewWithPJRTOptions(*pjrtOpts)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "backend: %s\n", choice)
		n := *devices
		if n <= 0 {
			n = b.NumDevices()
		}
		tb, ib := bench.DefaultBatches(spec)
		o.TrainBatch, o.InferBatch = tb*n, ib*n
		if *batch > 0 {
			o.TrainBatch = *batch
		}
		if *inferBatch > 0 {
			o.InferBatch = *inferBatch
		}
		if o.TrainBatch%n != 0 || o.InferBatch%n != 0 {
			return fmt.Errorf("--batch %d and --infer-batch %d must divide over %d devices", o.TrainBatch, o.InferBatch, n)
		}
		tb = o.TrainBatch / n
		if err := checkFits(spec, o.TrainBatch, false, choice.Config); err != nil {
			return err
		}
		r, err := bench.RunSetup(b, spec, o, bench.Setup{Devices: n})
		if err != nil {
			return err
		}
		bb, _ := spec.Backbone()
		fmt.Fprintf(stdout, "model: %s (%d backbone parameters, %.2f GFLOP forward per image; training counted as 3x)\n", *name, bb.NumParams(), r.FLOPsPerImageFwd/1e9)
		fmt.Fprintf(stdout, "backend: %s; %s\n", choice, b.Description())
		fmt.Fprintf(stdout, "devices: %d of %d (batch %d per device), matmuls %s\n", n, b.NumDevices(), tb, *precision)
		fmt.Fprintf(stdout, "train: %.1f ms/step at batch %d (%.2f CPU s/step), first step (compilation) %s, %.3g TFLOP/s, MFU %.3g%% of %g TFLOP/s per device\n",
			r.TrainStepMS, o.TrainBatch, r.TrainCPUPerStep, r.FirstTrainStep.Round(1e6), r.TrainGFLOPPerS/1e3, 100*bench.MFU(r.TrainGFLOPPerS, *peak, n), *peak)
		fmt.Fprintf(stdout, "infer: batch %d (%.2f CPU s/batch), first batch %s, %.3g TFLOP/s, MFU %.3g%%\n",
			o.InferBatch, r.InferCPUPerBatch, r.FirstInferBatch.Round(1e6), r.InferGFLOPPerS/1e3, 100*bench.MFU(r.InferGFLOPPerS, *peak, n))
		fmt.Fprintln(stdout, r.Line())
		return nil
	}
}
