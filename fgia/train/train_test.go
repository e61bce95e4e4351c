package train

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/internal/quickset"
	"github.com/fgia/fgia/fgia/loss"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/progress"
)

// quickData is the shared quick set (fgia/internal/quickset).
func quickData(t *testing.T) string {
	data, _ := quickset.Dirs(t)
	return data
}

func tinyConfig() Config {
	v := vit.Config{ImageSize: 28, Channels: 1, PatchSize: 7, Dim: 16, Depth: 1, Heads: 2, MLPRatio: 2,
		ClsToken: true, Pool: vit.PoolAvg, DropPathRate: 0.1, NormEps: 1e-6}
	aug := augment.DefaultTrain(28).WithGray(0.3, 0.35)
	aug.RandAug.N = 0
	eval := augment.DefaultEval(28).WithGray(0.3, 0.35)
	eval.CropPct = 1
	return Config{
		Model:  model.Spec{ViT: &v, Head: head.Config{Kind: head.SubCenter, Classes: 10, Scale: 30, SubCenters: 2, Adaptive: true, MarginMin: 0.05, MarginRange: 0.45}},
		Loss:   loss.Config{Kind: loss.EQL, EQLTau: 1, EQLEps: 1e-4, LabelSmoothing: 0.1},
		Optim:  optim.DefaultAdamW(optim.Schedule{LR: 1e-3, MinLR: 1e-5, WarmupFrom: 0.1}),
		Epochs: 1, WarmupEpochs: 0.2, BatchSize: 32, MaxSteps: 12,
		Augment: aug, Eval: eval, Sampler: SamplerShuffle, Seed: 3,
		CheckpointEvery: 4, Keep: 2, LogEvery: 2,
	}
}

func runOpts(t *testing.T, data, out string) Options {
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	progress.Output = &strings.Builder{}
	return Options{Data: data, Out: out, Backend: b, Log: &strings.Builder{}}
}

// TestResumeMatchesUninterrupted stops a run mid-way (as a kill would: the
// steps after the last checkpoint are lost), resumes it, and checks it ends
// exactly where an uninterrupted run with the same seed ends, with and
// without gradient accumulation (whose steps, checkpoints and metrics count
// optimizer steps).
func TestResumeMatchesUninterrupted(t *testing.T) {
	data := quickData(t)
	for _, tc := range []struct {
		name         string
		batch, accum int
	}{
		{"one batch a step", 32, 0},
		{"2 micro-batches a step", 16, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig()
			cfg.BatchSize, cfg.AccumSteps = tc.batch, tc.accum
			full := filepath.Join(t.TempDir(), "full")
			if _, err := Run(cfg, runOpts(t, data, full)); err != nil {
				t.Fatal(err)
			}
			broken := filepath.Join(t.TempDir(), "broken")
			o := runOpts(t, data, broken)
			o.StopAfter = 7 // checkpoints at 4; steps 5-7 are lost
			if _, err := Run(cfg, o); err != nil {
				t.Fatal(err)
			}
			if _, err := Run(cfg, runOpts(t, data, broken)); err == nil || !strings.Contains(err.Error(), "--resume") {
				t.Fatalf("starting over an existing run: %v, want a hint to --resume", err)
			}
			o = runOpts(t, data, broken)
			o.Resume = true
			sum, err := Run(Config{}, o)
			if err != nil {
				t.Fatal(err)
			}
			if sum.FromStep != 4 || sum.Steps != 12 {
				t.Errorf("resumed from %d to %d, want 4 to 12", sum.FromStep, sum.Steps)
			}
			a, _ := ReadMetrics(full)
			b, _ := ReadMetrics(broken)
			if len(a) != 6 || len(b) != 6 {
				t.Fatalf("%d and %d metric records, want 6 each", len(a), len(b))
			}
			for i := range a {
				if a[i].Step != b[i].Step || a[i].Loss != b[i].Loss || a[i].Accuracy != b[i].Accuracy || a[i].LR != b[i].LR {
					t.Errorf("record %d: uninterrupted %+v, resumed %+v", i, a[i], b[i])
				}
			}
			// The schedule runs in optimizer steps: 750 images make 23 steps
			// of 32 an epoch, 4 of them warmup (0.2 epochs), 12 in all; a
			// record holds the rate of its last step.
			sched := cfg.Optim.Schedule
			sched.WarmupSteps, sched.TotalSteps = 4, 12
			for _, r := range a {
				if want := sched.At(r.Step - 1); math.Abs(r.LR-want) > 1e-6*want {
					t.Errorf("step %d: learning rate %g, want %g", r.Step, r.LR, want)
				}
			}
			ca, _ := checkpoint.Latest(filepath.Join(full, CheckpointsDir))
			cb, _ := checkpoint.Latest(filepath.Join(broken, CheckpointsDir))
			ka, _ := checkpoint.Load(ca)
			kb, _ := checkpoint.Load(cb)
			if !reflect.DeepEqual(ka.Tensors["/backbone/pos_embed"].Value(), kb.Tensors["/backbone/pos_embed"].Value()) {
				t.Error("final weights differ between the uninterrupted and the resumed run")
			}
			if stats := kb.Tensors["/loss/eql/grad_stats"]; stats == nil {
				t.Error("EQL statistics are not in the checkpoint")
			}
			if st := kb.Tensors[optim.Scope+"/step"]; st == nil || st.Value().(float32) != 12 {
				t.Errorf("optimizer step counter %v, want 12", st)
			}
			accums := 0
			for path, v := range kb.Tensors {
				if strings.HasPrefix(path, optim.Scope+"/"+optim.AccumKind+"/") {
					accums++
					for _, x := range tensors.MustCopyFlatData[float32](v) {
						if x != 0 {
							t.Errorf("accumulator %s is not zero in the checkpoint", path)
							break
						}
					}
				}
			}
			if (accums > 0) != (tc.accum > 1) {
				t.Errorf("%d gradient accumulators in the checkpoint", accums)
			}
			if all, _ := checkpoint.List(filepath.Join(broken, CheckpointsDir)); len(all) != 2 {
				t.Errorf("kept %d checkpoints, want 2", len(all))
			}
		})
	}
}

func TestNonFiniteLossStops(t *testing.T) {
	data := quickData(t)
	cfg := tinyConfig()
	cfg.Optim.Schedule = optim.Schedule{LR: 1e30, MinLR: 1e30, WarmupFrom: 1}
	cfg.Optim.WeightDecay = 0
	cfg.CheckpointEvery = 1
	out := filepath.Join(t.TempDir(), "nan")
	_, err := Run(cfg, runOpts(t, data, out))
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("err = %v, want ErrNonFinite", err)
	}
	if !strings.Contains(err.Error(), "last good checkpoint") {
		t.Errorf("message %q does not name the last good checkpoint", err)
	}
	if last, _ := checkpoint.Latest(filepath.Join(out, CheckpointsDir)); last != "" {
		if _, err := checkpoint.Load(last); err != nil {
			t.Errorf("the last checkpoint is not usable: %v", err)
		}
	}
}

// TestInitAtAnotherSize starts a run at 56x56 from a 28x28 run's backbone:
// every backbone weight loads, the position embedding resized to the new grid.
func TestInitAtAnotherSize(t *testing.T) {
	data := quickData(t)
	small := tinyConfig()
	small.MaxSteps = 2
	from := filepath.Join(t.TempDir(), "small")
	if _, err := Run(small, runOpts(t, data, from)); err != nil {
		t.Fatal(err)
	}
	big := tinyConfig()
	v := *big.Model.ViT
	v.ImageSize = 56
	big.Model.ViT = &v
	big.Augment.Size, big.Eval.Size = 56, 56
	big.MaxSteps = 1
	o := runOpts(t, data, filepath.Join(t.TempDir(), "big"))
	o.Init = from
	if _, err := Run(big, o); err != nil {
		t.Fatal(err)
	}
	last, _ := checkpoint.Latest(filepath.Join(from, CheckpointsDir))
	src, _ := checkpoint.Load(last)
	ctx := newTestContext()
	if err := InitBackbone(ctx, from, big.Model); err != nil {
		t.Fatal(err)
	}
	pos := ctx.InspectVariable("/backbone", "pos_embed")
	if pos == nil || pos.Shape().Dimensions[1] != 1+8*8 {
		t.Fatalf("position embedding after init: %v", pos)
	}
	q := ctx.InspectVariable("/backbone/block_00/attn/q", "weights")
	if q == nil || !q.MustValue().Equal(src.Tensors["/backbone/block_00/attn/q/weights"]) {
		t.Error("the loaded q weights are not the pretrained ones")
	}
	if ctx.InspectVariable("/head", "weights") != nil {
		t.Error("the head was loaded too; it must start fresh")
	}
}

func newTestContext() *context.Context { return context.New().Checked(false) }
