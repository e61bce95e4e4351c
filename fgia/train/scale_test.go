package train

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/distrib"
	"github.com/fgia/fgia/fgia/internal/xlacpu"
	"github.com/fgia/fgia/fgia/loss"
)

// exactConfig is tinyConfig made comparable across batch layouts: no drop
// path (its random masks depend on the batch shape) and plain cross-entropy
// (EQL's statistics are updated after each micro-batch, so they change the
// second micro-batch's loss).
func exactConfig() Config {
	c := tinyConfig()
	v := *c.Model.ViT
	v.DropPathRate = 0
	c.Model.ViT = &v
	c.Loss = loss.Config{Kind: loss.CE, LabelSmoothing: 0.1}
	c.MaxSteps, c.LogEvery, c.CheckpointEvery = 2, 1, 2
	return c
}

// scaleRun trains cfg into a new folder on b (over devices) and returns
// the metrics and the final checkpoint.
func scaleRun(t *testing.T, data string, b backends.Backend, cfg Config, devices int) ([]Record, *checkpoint.Checkpoint) {
	t.Helper()
	o := runOpts(t, data, filepath.Join(t.TempDir(), "run"))
	o.Backend, o.Devices = b, devices
	if _, err := Run(cfg, o); err != nil {
		t.Fatal(err)
	}
	if n, _ := distrib.Devices(devices, b.NumDevices()); n > 1 && !strings.Contains(o.Log.(*strings.Builder).String(), "data-parallel over") {
		t.Errorf("%d devices asked and the run is not data-parallel", devices)
	}
	recs, err := ReadMetrics(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := checkpoint.Latest(filepath.Join(o.Out, CheckpointsDir))
	ck, err := checkpoint.Load(last)
	if err != nil {
		t.Fatal(err)
	}
	return recs, ck
}

// sameTraining compares two runs' metrics (relative tolerance tol) and
// model weights (absolute tolerance wtol).
func sameTraining(t *testing.T, wantRecs, gotRecs []Record, want, got *checkpoint.Checkpoint, tol, wtol float64) {
	t.Helper()
	if len(wantRecs) != len(gotRecs) || len(wantRecs) == 0 {
		t.Fatalf("%d and %d metric records", len(wantRecs), len(gotRecs))
	}
	near := func(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(math.Abs(a), 1e-3) }
	for i, w := range wantRecs {
		g := gotRecs[i]
		if w.Step != g.Step || w.Epoch != g.Epoch || !near(w.Loss, g.Loss, tol) || !near(w.Accuracy, g.Accuracy, tol) ||
			!near(w.LR, g.LR, 1e-6) || !near(w.GradNorm, g.GradNorm, 10*tol) {
			t.Errorf("record %d: want %+v, got %+v", i, w, g)
		}
	}
	if want.Step != got.Step {
		t.Errorf("checkpoints at steps %d and %d", want.Step, got.Step)
	}
	n := 0
	for path, wt := range want.Tensors {
		if !strings.HasPrefix(path, "/backbone/") && !strings.HasPrefix(path, "/head/") {
			continue
		}
		n++
		gt := got.Tensors[path]
		if gt == nil {
			t.Errorf("%s missing", path)
			continue
		}
		wv, gv := tensors.MustCopyFlatData[float32](wt), tensors.MustCopyFlatData[float32](gt)
		for i := range wv {
			if d := math.Abs(float64(wv[i] - gv[i])); d > wtol {
				t.Errorf("%s[%d]: %g and %g", path, i, wv[i], gv[i])
				break
			}
		}
	}
	if n < 10 {
		t.Errorf("compared %d weight tensors", n)
	}
}

// Gradient accumulation over k micro-batches of B/k images makes the
// optimizer steps of batch B on the same images: same losses, learning
// rates, gradient norms and weights up to float rounding.
func TestAccumulationMatchesTheEffectiveBatch(t *testing.T) {
	data := quickData(t)
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	whole := exactConfig()
	wantRecs, want := scaleRun(t, data, b, whole, 1)
	for _, tc := range []struct{ batch, accum int }{{16, 2}, {8, 4}} {
		cfg := exactConfig()
		cfg.BatchSize, cfg.AccumSteps = tc.batch, tc.accum
		gotRecs, got := scaleRun(t, data, b, cfg, 1)
		t.Logf("%d x %d: losses %v %v, batch 32: %v %v", tc.accum, tc.batch, gotRecs[0].Loss, gotRecs[1].Loss, wantRecs[0].Loss, wantRecs[1].Loss)
		sameTraining(t, wantRecs, gotRecs, want, got, 1e-5, 1e-5)
	}
}

// Data-parallel training on XLA's CPU plugin split into 2 devices gives the
// one-device losses and weights, alone and with gradient accumulation; and
// device counts the backend or the batch cannot take are refused.
func TestDataParallelMatchesOneDevice(t *testing.T) {
	b := xlacpu.Devices(t, 2)
	data := quickData(t)
	for _, tc := range []struct {
		devices, batch int
		want           string
	}{
		{3, 32, "backend has 2"},
		{-2, 32, "devices"},
		{-1, 31, "does not divide over 2 devices"},
	} {
		cfg := exactConfig()
		cfg.BatchSize = tc.batch
		o := runOpts(t, data, filepath.Join(t.TempDir(), "bad"))
		o.Backend, o.Devices = b, tc.devices
		if _, err := Run(cfg, o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d devices, batch %d: %v, want %q", tc.devices, tc.batch, err, tc.want)
		}
	}
	wantRecs, want := scaleRun(t, data, b, exactConfig(), 1)
	for _, tc := range []struct{ devices, batch, accum int }{{2, 32, 1}, {-1, 16, 2}} {
		cfg := exactConfig()
		cfg.BatchSize, cfg.AccumSteps = tc.batch, tc.accum
		gotRecs, got := scaleRun(t, data, b, cfg, tc.devices)
		sameTraining(t, wantRecs, gotRecs, want, got, 1e-4, 1e-4)
	}
}
