// Package bench measures training and inference throughput of a model on
// the chosen GoMLX backend, with random inputs (speed does not depend on the
// pixels): the figures `fgia bench` prints and compares with its PyTorch peer
// (scripts/bench_vit_torch.py).
package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/distrib"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/loss"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/optim"
)

// Options of a benchmark run.
type Options struct {
	Steps       int // timed training steps (after WarmupSteps)
	WarmupSteps int // untimed steps, compilation included
	TrainBatch  int
	InferBatch  int
	// InferSteps is the number of timed inference batches (after two
	// untimed ones); 0: max(Steps/3, 5).
	InferSteps int
	Seed       uint64
}

// DefaultOptions are the benchmark settings: batch 128 training,
// batch 500 inference.
func DefaultOptions() Options {
	return Options{Steps: 30, WarmupSteps: 3, TrainBatch: 128, InferBatch: 500, Seed: 1}
}

// Result is what a run measured.
type Result struct {
	Backend          string
	TrainImgPerS     float64
	InferImgPerS     float64
	TrainStepMS      float64
	TrainCPUPerStep  float64       // process CPU seconds per timed step, all threads (see ProcessCPU)
	InferCPUPerBatch float64       // the same per inference batch
	FirstTrainStep   time.Duration // compilation included
	FirstInferBatch  time.Duration
	TrainGFLOPPerS   float64 // model FLOPs (3x forward for training) per second
	InferGFLOPPerS   float64
	ParamCount       int
	FLOPsPerImageFwd float64
}

// Line is the result's last-line summary, parsed by scripts.
func (r Result) Line() string {
	return fmt.Sprintf("train_img_per_s=%.2f infer_img_per_s=%.2f train_cpu_s_per_step=%.3f infer_cpu_s_per_batch=%.3f",
		r.TrainImgPerS, r.InferImgPerS, r.TrainCPUPerStep, r.InferCPUPerBatch)
}

// BenchViT is the benchmark model: vit-bench with a linear head on the cls
// token, 10 classes.
func BenchViT() model.Spec {
	c, _ := vit.Preset("vit-bench")
	return model.Spec{ViT: &c, Head: head.Config{Kind: head.Linear, Classes: 10}}
}

// Setup extends Options with what a GPU machine adds.
type Setup struct {
	// Devices is the number of devices to train and infer on data-parallel:
	// GoMLX AutoSharding over a one-axis mesh ("data"), inputs sharded along
	// the batch, variables replicated; XLA inserts the gradient all-reduce.
	// Options' batches are then global (split evenly over the devices).
	// <= 1 (the zero Setup) runs on one device, without sharding.
	Devices int
}

// RunSetup trains spec on random data for opt.Steps steps with AdamW (lr
// 1e-3, weight decay 0.05) and then runs inference, timing both after
// warm-up, over s.Devices devices. The figures are totals over the devices
// (images a second of the global batch).
func RunSetup(b backends.Backend, spec model.Spec, opt Options, s Setup) (Result, error) {
	n := max(s.Devices, 1)
	if n > b.NumDevices() {
		return Result{}, fmt.Errorf("bench: %d devices asked, the backend has %d", n, b.NumDevices())
	}
	if opt.TrainBatch%n != 0 || opt.InferBatch%n != 0 {
		return Result{}, fmt.Errorf("bench: batches %d and %d must be multiples of %d devices", opt.TrainBatch, opt.InferBatch, n)
	}
	bb, err := spec.Backbone()
	if err != nil {
		return Result{}, err
	}
	side, ch := spec.InputSize()
	res := Result{Backend: b.Name(), FLOPsPerImageFwd: bb.FLOPsPerImage(), ParamCount: bb.NumParams()}
	ctx, step, err := newTrainStep(b, spec, opt.Seed)
	if err != nil {
		return res, err
	}
	defer step.Finalize()
	// One device runs unsharded: distrib needs a mesh of two or more, and
	// simplego (pure Go) cannot shard at all.
	var dp *distrib.DataParallel
	if n > 1 {
		if dp, err = distrib.New(n); err != nil {
			return res, err
		}
		dp.Configure(step, 2, false)
	}
	classes := spec.Head.Classes

	// Arguments of a sharded call are device-major: [images_0, labels_0,
	// images_1, labels_1, ...], each shard the per-device slice of the batch;
	// on one device that is just [images, labels].
	rng := rand.New(rand.NewPCG(opt.Seed, 2))
	per := opt.TrainBatch / n
	trainArgs := make([]any, 0, 2*n)
	for range n {
		images := randomImages(rng, per, side, ch)
		labels := make([]int32, per)
		for i := range labels {
			labels[i] = int32(rng.IntN(classes))
		}
		trainArgs = append(trainArgs, images, tensors.FromValue(labels))
	}
	first, el, cpu, err := timeSteps(opt.WarmupSteps, opt.Steps, func() error { return execAndWait(step, trainArgs) })
	if err != nil {
		return res, err
	}
	res.FirstTrainStep = first
	res.TrainCPUPerStep = cpu / float64(opt.Steps)
	res.TrainStepMS = 1000 * el / float64(opt.Steps)
	res.TrainImgPerS = float64(opt.Steps*opt.TrainBatch) / el
	res.TrainGFLOPPerS = res.TrainImgPerS * 3 * res.FLOPsPerImageFwd / 1e9

	infer, err := context.NewExec(b, ctx, func(ctx *context.Context, images *Node) *Node {
		return spec.Logits(ctx, images, nil, nil)
	})
	if err != nil {
		return res, err
	}
	defer infer.Finalize()
	if dp != nil {
		dp.Configure(infer, 1, true)
	}
	inferArgs := make([]any, 0, n)
	for range n {
		inferArgs = append(inferArgs, randomImages(rng, opt.InferBatch/n, side, ch))
	}
	batches := opt.InferSteps
	if batches <= 0 {
		batches = max(opt.Steps/3, 5)
	}
	first, el, cpu, err = timeSteps(2, batches, func() error { return execAndWait(infer, inferArgs) })
	if err != nil {
		return res, err
	}
	res.FirstInferBatch = first
	res.InferCPUPerBatch = cpu / float64(batches)
	res.InferImgPerS = float64(batches*opt.InferBatch) / el
	res.InferGFLOPPerS = res.InferImgPerS * res.FLOPsPerImageFwd / 1e9
	return res, nil
}

func randomImages(rng *rand.Rand, n, side, ch int) *tensors.Tensor {
	data := make([]float32, n*side*side*ch)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(data, n, side, side, ch)
}

// newTrainStep is the benchmark's training step: AdamW (lr 1e-3, weight
// decay 0.05) on soft-target cross-entropy, returning the loss.
func newTrainStep(b backends.Backend, spec model.Spec, seed uint64) (*context.Context, *context.Exec, error) {
	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(seed))
	adamw := optim.DefaultAdamW(optim.Schedule{LR: 1e-3, MinLR: 1e-3, TotalSteps: 1 << 30})
	classes := spec.Head.Classes
	step, err := context.NewExec(b, ctx, func(ctx *context.Context, images, labels *Node) *Node {
		ctx.SetTraining(images.Graph(), true)
		logits := spec.Logits(ctx, images, labels, nil)
		l := loss.SoftCE(logits, loss.Targets(labels, classes, 0))
		adamw.Step(ctx, l)
		return l
	})
	return ctx, step, err
}

// execAndWait runs e and waits for every output shard.
func execAndWait(e *context.Exec, args []any) error {
	out, err := e.Exec(args...)
	if err != nil {
		return err
	}
	for _, t := range out {
		_ = t.Value() // waits for the device
	}
	return nil
}

// timeSteps runs fn warmup times, at least once so that compilation never
// lands in the timed steps (the first call is timed alone: compilation),
// then steps times, and returns the first call's time and the wall and
// process CPU seconds the timed steps took.
func timeSteps(warmup, steps int, fn func() error) (first time.Duration, seconds, cpuSeconds float64, err error) {
	start := time.Now()
	for i := range max(warmup, 1) {
		if err := fn(); err != nil {
			return 0, 0, 0, err
		}
		if i == 0 {
			first = time.Since(start)
		}
	}
	cpu := ProcessCPU()
	start = time.Now()
	for range steps {
		if err := fn(); err != nil {
			return first, 0, 0, err
		}
	}
	return first, time.Since(start).Seconds(), (ProcessCPU() - cpu).Seconds(), nil
}
