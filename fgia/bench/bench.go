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
	Seed        uint64
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
	FirstTrainStep   time.Duration // compilation included
	FirstInferBatch  time.Duration
	TrainGFLOPPerS   float64 // model FLOPs (3x forward for training) per second
	InferGFLOPPerS   float64
	ParamCount       int
	FLOPsPerImageFwd float64
}

// Line is the result's last-line summary, parsed by scripts.
func (r Result) Line() string {
	return fmt.Sprintf("train_img_per_s=%.1f infer_img_per_s=%.1f", r.TrainImgPerS, r.InferImgPerS)
}

// BenchViT is the benchmark model: vit-bench with a linear head on the cls
// token, 10 classes.
func BenchViT() model.Spec {
	c, _ := vit.Preset("vit-bench")
	return model.Spec{ViT: &c, Head: head.Config{Kind: head.Linear, Classes: 10}}
}

// Run trains spec on random data for opt.Steps steps with AdamW (lr 1e-3,
// weight decay 0.05) and then runs inference, timing both after warm-up.
func Run(b backends.Backend, spec model.Spec, opt Options) (Result, error) {
	bb, err := spec.Backbone()
	if err != nil {
		return Result{}, err
	}
	side, ch := spec.InputSize()
	res := Result{Backend: b.Name(), FLOPsPerImageFwd: bb.FLOPsPerImage(), ParamCount: bb.NumParams()}
	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(opt.Seed))
	adamw := optim.DefaultAdamW(optim.Schedule{LR: 1e-3, MinLR: 1e-3, TotalSteps: 1 << 30})
	classes := spec.Head.Classes
	step, err := context.NewExec(b, ctx, func(ctx *context.Context, images, labels *Node) []*Node {
		ctx.SetTraining(images.Graph(), true)
		logits := spec.Logits(ctx, images, labels, nil)
		l := loss.SoftCE(logits, loss.Targets(labels, classes, 0))
		adamw.Step(ctx, l)
		return []*Node{l}
	})
	if err != nil {
		return res, err
	}
	defer step.Finalize()
	rng := rand.New(rand.NewPCG(opt.Seed, 2))
	images := randomImages(rng, opt.TrainBatch, side, ch)
	labels := make([]int32, opt.TrainBatch)
	for i := range labels {
		labels[i] = int32(rng.IntN(classes))
	}
	labelsT := tensors.FromValue(labels)
	run := func() error {
		out, err := step.Exec(images, labelsT)
		if err != nil {
			return err
		}
		_ = out[0].Value() // wait for the result
		return nil
	}
	start := time.Now()
	for i := 0; i < opt.WarmupSteps; i++ {
		if err := run(); err != nil {
			return res, err
		}
		if i == 0 {
			res.FirstTrainStep = time.Since(start)
		}
	}
	start = time.Now()
	for i := 0; i < opt.Steps; i++ {
		if err := run(); err != nil {
			return res, err
		}
	}
	el := time.Since(start).Seconds()
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
	inImages := randomImages(rng, opt.InferBatch, side, ch)
	runInfer := func() error {
		out, err := infer.Exec(inImages)
		if err != nil {
			return err
		}
		_ = out[0].Value()
		return nil
	}
	start = time.Now()
	for i := 0; i < 2; i++ {
		if err := runInfer(); err != nil {
			return res, err
		}
		if i == 0 {
			res.FirstInferBatch = time.Since(start)
		}
	}
	n := max(opt.Steps/3, 5)
	start = time.Now()
	for i := 0; i < n; i++ {
		if err := runInfer(); err != nil {
			return res, err
		}
	}
	el = time.Since(start).Seconds()
	res.InferImgPerS = float64(n*opt.InferBatch) / el
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
