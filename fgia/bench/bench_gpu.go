package bench

// The GPU side of `fgia bench`: the champion's model sizes by preset name,
// model FLOP utilisation against a peak, and data-parallel runs over several
// devices of one machine through GoMLX's own AutoSharding (XLA Shardy, set
// up by fgia/distrib), with no hand-written all-reduce.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/distrib"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/loss"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/optim"
)

// H100BF16DenseTFLOPS is the dense bf16 tensor-core peak of one H100 SXM
// (989.4 TFLOP/s; 1979 is the 2:4-sparse figure). The H200 has the same chip
// and clocks, so the same compute peak: it only adds memory (141 GB HBM3e,
// 4.8 TB/s against 80 GB, 3.35 TB/s).
const H100BF16DenseTFLOPS = 989

// DefaultPreset is the model `fgia bench` measures when no preset is named:
// the small ViT its PyTorch peer (scripts/bench_vit_torch.py) also runs.
const DefaultPreset = "vit-bench"

// PresetNames lists the backbones `fgia bench --preset` accepts: every ViT
// and Swin-V2 preset.
func PresetNames() []string {
	names := vit.PresetNames()
	names = append(names, swinv2.PresetNames()...)
	slices.Sort(names)
	return names
}

// smallInput is the image side up to which a preset counts as a CPU demo
// model (28x28 Fashion-MNIST): 10 classes and the CPU batch sizes.
const smallInput = 64

// SpecForPreset is the benchmark classifier for a backbone preset: the
// backbone and a linear head. classes <= 0 picks the default: 10 for the
// 28x28 demo models, the competition's 5000 for the photograph-sized ones.
func SpecForPreset(name string, classes int) (model.Spec, error) {
	if name == "" || name == DefaultPreset {
		s := BenchViT()
		if classes > 0 {
			s.Head.Classes = classes
		}
		return s, nil
	}
	var spec model.Spec
	if c, err := vit.Preset(name); err == nil {
		spec.ViT = &c
	} else if c, ok := swinv2.Presets()[name]; ok {
		spec.SwinV2 = &c
	} else {
		return spec, fmt.Errorf("bench: unknown preset %q (known: %v)", name, PresetNames())
	}
	if classes <= 0 {
		classes = 5000
		if side, _ := spec.InputSize(); side <= smallInput {
			classes = 10
		}
	}
	spec.Head = head.Config{Kind: head.Linear, Classes: classes}
	return spec, spec.Validate()
}

// DefaultBatches are the per-device batches `fgia bench` uses for spec when
// none is given: the CPU benchmark's 128/500 for the 28x28 models; 16/64 for
// photograph-sized ones, which fit an 80 GB H100 in float32 for ViT-L/16 at
// 448 (about 3 GB of saved activations per training image: the attention
// matrices are materialised, 16 heads x 785^2 per block).
func DefaultBatches(spec model.Spec) (train, infer int) {
	if side, _ := spec.InputSize(); side <= smallInput {
		o := DefaultOptions()
		return o.TrainBatch, o.InferBatch
	}
	return 16, 64
}

// MFU is model FLOP utilisation: the model FLOPs a second measured (training
// counted as 3x the forward pass) over the peak of the devices used.
func MFU(gflopPerS, peakTFLOPS float64, devices int) float64 {
	if peakTFLOPS <= 0 || devices <= 0 {
		return 0
	}
	return gflopPerS / (peakTFLOPS * 1e3 * float64(devices))
}

// Setup extends Options with what a GPU machine adds.
type Setup struct {
	// Devices is the number of devices to train and infer on data-parallel:
	// GoMLX AutoSharding over a one-axis mesh ("data"), inputs sharded along
	// the batch, variables replicated; XLA inserts the gradient all-reduce.
	// Options' batches are then global (split evenly over the devices).
	// <= 1 runs on one device (Run).
	Devices int
}

// RunSetup is Run over s.Devices devices. The figures are totals over the
// devices (images a second of the global batch).
func RunSetup(b backends.Backend, spec model.Spec, opt Options, s Setup) (Result, error) {
	n := s.Devices
	if n <= 1 {
		return Run(b, spec, opt)
	}
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
	dp, err := distrib.New(n)
	if err != nil {
		return res, err
	}
	dp.Configure(step, 2, false)
	classes := spec.Head.Classes

	// Arguments of a sharded call are device-major: [images_0, labels_0,
	// images_1, labels_1, ...], each shard the per-device slice of the batch.
	rng := rand.New(rand.NewPCG(opt.Seed, 2))
	per := opt.TrainBatch / n
	trainArgs := make([]any, 0, 2*n)
	for range n {
		labels := make([]int32, per)
		for i := range labels {
			labels[i] = int32(rng.IntN(classes))
		}
		trainArgs = append(trainArgs, randomImages(rng, per, side, ch), tensors.FromValue(labels))
	}
	first, el, err := timeSteps(opt.WarmupSteps, opt.Steps, func() error { return execAndWait(step, trainArgs) })
	if err != nil {
		return res, err
	}
	res.FirstTrainStep = first
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
	dp.Configure(infer, 1, true)
	inferArgs := make([]any, 0, n)
	for range n {
		inferArgs = append(inferArgs, randomImages(rng, opt.InferBatch/n, side, ch))
	}
	batches := max(opt.Steps/3, 5)
	first, el, err = timeSteps(2, batches, func() error { return execAndWait(infer, inferArgs) })
	if err != nil {
		return res, err
	}
	res.FirstInferBatch = first
	res.InferImgPerS = float64(batches*opt.InferBatch) / el
	res.InferGFLOPPerS = res.InferImgPerS * res.FLOPsPerImageFwd / 1e9
	return res, nil
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

// timeSteps runs fn warmup times (the first one timed alone: compilation),
// then steps times, and returns the first call's time and the seconds the
// timed steps took.
func timeSteps(warmup, steps int, fn func() error) (first time.Duration, seconds float64, err error) {
	start := time.Now()
	for i := range max(warmup, 1) {
		if err := fn(); err != nil {
			return 0, 0, err
		}
		if i == 0 {
			first = time.Since(start)
		}
	}
	start = time.Now()
	for range steps {
		if err := fn(); err != nil {
			return first, 0, err
		}
	}
	return first, time.Since(start).Seconds(), nil
}
