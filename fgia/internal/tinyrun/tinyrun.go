// Package tinyrun trains the tiny classifier that the tests of the stages
// after training (prediction, soups) need: a one-block ViT on the quick
// set, a few steps on the pure-Go backend.
package tinyrun

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/loss"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/progress"
	"github.com/fgia/fgia/fgia/train"
)

// Config is the tiny recipe: a one-block ViT (patch 7, width 16) with a
// cosine head on 28x28 gray images, AdamW at a constant 1e-3, steps steps
// of 32 images, one checkpoint per step, keep of them kept.
func Config(steps, keep int) train.Config {
	v := vit.Config{ImageSize: 28, Channels: 1, PatchSize: 7, Dim: 16, Depth: 1, Heads: 2, MLPRatio: 2,
		ClsToken: true, Pool: vit.PoolCls, NormEps: 1e-6}
	aug := augment.DefaultTrain(28).WithGray(0.3, 0.35)
	aug.RandAug.N = 0
	eval := augment.DefaultEval(28).WithGray(0.3, 0.35)
	eval.CropPct = 1
	return train.Config{Model: model.Spec{ViT: &v, Head: head.Config{Kind: head.Cosine, Classes: 10, Scale: 30}},
		Loss: loss.Config{Kind: loss.CE}, Optim: optim.DefaultAdamW(optim.Schedule{LR: 1e-3, MinLR: 1e-3}),
		Epochs: 1, BatchSize: 32, MaxSteps: steps, Augment: aug, Eval: eval, Sampler: train.SamplerShuffle,
		Seed: 1, Keep: keep, CheckpointEvery: 1, LogEvery: 1}
}

// Train trains cfg on data into dir/run on the pure-Go backend and returns
// the run folder and the backend.
func Train(tb testing.TB, cfg train.Config, data, dir string) (string, backends.Backend) {
	tb.Helper()
	progress.Output = &strings.Builder{}
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		tb.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	if _, err := train.Run(cfg, train.Options{Data: data, Out: run, Backend: b, Log: &strings.Builder{}}); err != nil {
		tb.Fatal(err)
	}
	return run, b
}
