package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/distrib"
	"github.com/fgia/fgia/fgia/internal/xlacpu"
	"github.com/fgia/fgia/fgia/model"
)

func TestSpecForPresetCoversTheChampionsSizes(t *testing.T) {
	for _, name := range []string{"", "vit-bench", "vit-demo", "swinv2-demo", "vit-l16-448", "swinv2-l-384", "swinv2-b-384"} {
		s, err := SpecForPreset(name, 0)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		side, _ := s.InputSize()
		want := 5000
		if side <= smallInput {
			want = 10
		}
		if s.Head.Classes != want {
			t.Errorf("%q: %d classes, want %d", name, s.Head.Classes, want)
		}
	}
	if _, err := SpecForPreset("resnet-50", 0); err == nil {
		t.Error("unknown preset accepted")
	}
	// ViT-L/16 at 448: 785 tokens, 24 blocks of width 1024: about 0.54 TFLOP a
	// forward pass, 1.6 a training step.
	s, _ := SpecForPreset("vit-l16-448", 0)
	bb, _ := s.Backbone()
	if f := bb.FLOPsPerImage(); f < 5.2e11 || f > 5.5e11 {
		t.Errorf("vit-l16-448 forward FLOPs %.3g", f)
	}
	if tr, in := DefaultBatches(s); tr != 16 || in != 64 {
		t.Errorf("vit-l16-448 batches %d/%d", tr, in)
	}
}

func TestMFU(t *testing.T) {
	// 247 img/s of ViT-L/16-448 training on one H100 is 40% MFU.
	gflops := 247 * 3 * 5.36e11 / 1e9
	if m := MFU(gflops, H100BF16DenseTFLOPS, 1); math.Abs(m-0.40) > 0.01 {
		t.Errorf("MFU %.3f, want 0.40", m)
	}
	if m := MFU(gflops, H100BF16DenseTFLOPS, 2); math.Abs(m-0.20) > 0.01 {
		t.Errorf("MFU over 2 devices %.3f, want 0.20", m)
	}
	if MFU(1, 0, 1) != 0 {
		t.Error("MFU without a peak")
	}
}

// One device runs unsharded (pure Go cannot shard), bf16 included, and more
// devices than the backend has are refused.
func TestRunSetupOneDevice(t *testing.T) {
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := SpecForPreset("swinv2-demo", 0)
	if err != nil {
		t.Fatal(err)
	}
	spec.Precision = model.PrecisionBF16 // the benchmark's mixed precision is the model's
	r, err := RunSetup(b, spec, Options{Steps: 1, WarmupSteps: 1, TrainBatch: 4, InferBatch: 4, Seed: 1}, Setup{Devices: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.TrainImgPerS <= 0 || r.InferImgPerS <= 0 {
		t.Errorf("result %+v", r)
	}
	if _, err := RunSetup(b, spec, DefaultOptions(), Setup{Devices: 2}); err == nil {
		t.Error("2 devices accepted on a 1-device backend")
	}
}

// Data-parallel training through AutoSharding on XLA's CPU plugin split into
// two devices gives the losses of the same global batch on one device: the
// gradient all-reduce is XLA's.
func TestDataParallelMatchesOneDevice(t *testing.T) {
	b := xlacpu.Devices(t, 2)
	opt := Options{Steps: 2, WarmupSteps: 1, TrainBatch: 8, InferBatch: 8, Seed: 1}
	one, err := lossesOf(b, opt, 1)
	if err != nil {
		t.Fatal(err)
	}
	two, err := lossesOf(b, opt, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range one {
		if math.Abs(float64(one[i]-two[i])) > 1e-4*math.Abs(float64(one[i])) {
			t.Errorf("step %d: loss %v on one device, %v on two", i, one[i], two[i])
		}
	}
	r, err := RunSetup(b, BenchViT(), opt, Setup{Devices: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.TrainImgPerS <= 0 || r.InferImgPerS <= 0 {
		t.Errorf("result %+v", r)
	}
}

// lossesOf trains the bench ViT for opt.Steps steps on n devices (n = 1: no
// sharding) on one fixed global batch and returns the losses.
func lossesOf(b backends.Backend, opt Options, n int) ([]float32, error) {
	_, step, err := newTrainStep(b, BenchViT(), opt.Seed)
	if err != nil {
		return nil, err
	}
	defer step.Finalize()
	if n > 1 {
		dp, err := distrib.New(n)
		if err != nil {
			return nil, err
		}
		dp.Configure(step, 2, false)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 3))
	images := randomImages(rng, opt.TrainBatch, 28, 1).Value().([][][][]float32)
	labels := make([]int32, opt.TrainBatch)
	for i := range labels {
		labels[i] = int32(i % 10)
	}
	per := opt.TrainBatch / n
	var args []any
	for d := range n {
		args = append(args, tensors.FromValue(images[d*per:(d+1)*per]), tensors.FromValue(labels[d*per:(d+1)*per]))
	}
	var losses []float32
	for range opt.Steps {
		out, err := step.Exec(args...)
		if err != nil {
			return nil, err
		}
		losses = append(losses, out[0].Value().(float32))
	}
	return losses, nil
}
