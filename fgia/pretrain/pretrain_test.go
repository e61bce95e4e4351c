package pretrain

import (
	"bytes"
	"image/png"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/internal/quickset"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/progress"
	"github.com/fgia/fgia/fgia/train"
)

func tinyMAE() Config {
	c, _ := Preset("mae-vit-demo")
	v := vit.Config{ImageSize: 28, Channels: 1, PatchSize: 7, Dim: 16, Depth: 1, Heads: 2, MLPRatio: 2,
		ClsToken: true, Pool: vit.PoolAvg, NormEps: 1e-6}
	c.ViT, c.Decoder = &v, Decoder{Dim: 16, Depth: 1, Heads: 2}
	c.BatchSize, c.MaxSteps, c.CheckpointEvery, c.LogEvery, c.Keep = 32, 16, 8, 4, 2
	c.Optim.Schedule.LR, c.WarmupEpochs = 3e-3, 0
	return c
}

func tinySimMIM() Config {
	c, _ := Preset("simmim-swin-demo")
	s := swinv2.Config{ImageSize: 28, Channels: 1, PatchSize: 2, EmbedDim: 8, Depths: []int{1, 1}, Heads: []int{1, 2},
		WindowSizes: []int{7, 7}, PretrainedWindowSizes: []int{0, 0}, MLPRatio: 2, NormEps: 1e-5}
	c.SwinV2 = &s
	c.BatchSize, c.MaxSteps, c.CheckpointEvery, c.LogEvery, c.Keep = 16, 4, 2, 2, 2
	return c
}

func options(t *testing.T, out string) Options {
	t.Helper()
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	progress.Output = &strings.Builder{}
	data, _ := quickset.Dirs(t)
	return Options{Data: data, Splits: []string{"testa", "testb"}, Out: out, Backend: b, Log: &strings.Builder{}}
}

func TestPresetsAreValid(t *testing.T) {
	for _, name := range Names() {
		if _, err := Preset(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if Doc(name) == "" {
			t.Errorf("%s has no description", name)
		}
	}
	bad := tinyMAE()
	bad.MaskRatio = 1
	if bad.Validate() == nil {
		t.Error("a mask ratio that keeps no patch was accepted")
	}
	bad = tinyMAE()
	bad.Precision = "fp16"
	if bad.Validate() == nil {
		t.Error("precision fp16 was accepted")
	}
	bad = tinySimMIM()
	bad.MaskPatch = 3
	if bad.Validate() == nil {
		t.Error("a SimMIM mask patch that is not a multiple of the patch size was accepted")
	}
}

func TestMAEMasks(t *testing.T) {
	const b, n, k = 3, 16, 4
	for _, cls := range []int{0, 1} {
		m := newMAEMasks(rand.New(rand.NewPCG(1, 2)), b, n, k, cls)
		if len(m.Keep) != b*(cls+k) {
			t.Fatalf("cls %d: %d kept tokens, want %d", cls, len(m.Keep), b*(cls+k))
		}
		// Restore must be a bijection onto the decoder's source rows.
		seen := map[int32]bool{}
		for _, r := range m.Restore {
			seen[r] = true
		}
		if len(seen) != b*n {
			t.Errorf("cls %d: restore is not one-to-one", cls)
		}
		for e := 0; e < b; e++ {
			masked := 0
			for p := 0; p < n; p++ {
				r := m.Restore[e*n+p]
				if m.Mask[e*n+p] == 1 {
					masked++
					if r < int32(b*(cls+k)) {
						t.Errorf("masked patch %d of example %d reads a visible token", p, e)
					}
					continue
				}
				// A visible patch reads back the very token the encoder kept.
				if got := m.Keep[r]; got != int32(e*(n+cls)+cls+p) {
					t.Errorf("example %d patch %d restored from token %d", e, p, got)
				}
			}
			if masked != n-k {
				t.Errorf("example %d: %d masked, want %d", e, masked, n-k)
			}
			if cls == 1 && m.Keep[e*(cls+k)] != int32(e*(n+cls)) {
				t.Errorf("example %d: cls token not kept first", e)
			}
		}
	}
}

func TestSimMIMMasks(t *testing.T) {
	const b, cells, scale, patch = 2, 7, 2, 2
	m := newSimMIMMasks(rand.New(rand.NewPCG(3, 4)), b, cells, scale, patch, 0.6)
	grid, side := cells*scale, cells*scale*patch
	want := float32(math.Round(0.6*cells*cells)) * scale * scale
	for e := 0; e < b; e++ {
		var sum float32
		for _, v := range m.Patches[e*grid*grid : (e+1)*grid*grid] {
			sum += v
		}
		if sum != want {
			t.Errorf("example %d: %v masked patches, want %v", e, sum, want)
		}
		// The pixel mask is the patch mask, upsampled.
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				if m.Pixels[(e*side+y)*side+x] != m.Patches[(e*grid+y/patch)*grid+x/patch] {
					t.Fatalf("example %d: pixel (%d,%d) disagrees with its patch", e, y, x)
				}
			}
		}
	}
}

// run executes a small graph on the pure-Go backend.
func run(t *testing.T, f func(g *Graph) *Node) *tensors.Tensor {
	t.Helper()
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExec(b, f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec()
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func TestPixelShuffle(t *testing.T) {
	const h, w, r, ch = 2, 3, 2, 2
	in := make([]float32, h*w*r*r*ch)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for i := 0; i < r; i++ {
				for j := 0; j < r; j++ {
					for c := 0; c < ch; c++ {
						// Encode the pixel the value must land on.
						in[(((y*w+x)*r+i)*r+j)*ch+c] = float32(((y*r+i)*100+(x*r+j))*10 + c)
					}
				}
			}
		}
	}
	out := run(t, func(g *Graph) *Node {
		return pixelShuffle(Const(g, tensors.FromFlatDataAndDimensions(in, 1, h, w, r*r*ch)), r, ch)
	})
	got := tensors.MustCopyFlatData[float32](out)
	for py := 0; py < h*r; py++ {
		for px := 0; px < w*r; px++ {
			for c := 0; c < ch; c++ {
				if v := got[(py*w*r+px)*ch+c]; v != float32((py*100+px)*10+c) {
					t.Fatalf("pixel (%d,%d,%d) = %v", py, px, c, v)
				}
			}
		}
	}
}

func TestMAETargetIsNormalisedPerPatch(t *testing.T) {
	c := tinyMAE()
	rng := rand.New(rand.NewPCG(5, 6))
	img := make([]float32, 2*28*28)
	for i := range img {
		img[i] = float32(rng.NormFloat64()*3 + 1)
	}
	out := run(t, func(g *Graph) *Node {
		return c.maeTarget(Const(g, tensors.FromFlatDataAndDimensions(img, 2, 28, 28, 1)))
	})
	got := tensors.MustCopyFlatData[float32](out)
	p := 49
	for i := 0; i < len(got)/p; i++ {
		var s, ss float64
		for _, v := range got[i*p : (i+1)*p] {
			s += float64(v)
		}
		mean := s / float64(p)
		for _, v := range got[i*p : (i+1)*p] {
			ss += (float64(v) - mean) * (float64(v) - mean)
		}
		if math.Abs(mean) > 1e-4 || math.Abs(ss/float64(p-1)-1) > 1e-3 {
			t.Fatalf("patch %d: mean %g, unbiased variance %g", i, mean, ss/float64(p-1))
		}
	}
}

func TestSinCos2D(t *testing.T) {
	e := sinCos2D(3, 8)[0]
	if len(e) != 9 || len(e[0]) != 8 {
		t.Fatalf("shape %dx%d", len(e), len(e[0]))
	}
	// Patch (row 1, column 2): sin/cos of the row then of the column at
	// frequency 1 in the first entry of each quarter.
	p := e[1*3+2]
	want := []float32{float32(math.Sin(1)), float32(math.Cos(1)), float32(math.Sin(2)), float32(math.Cos(2))}
	for i, w := range want {
		if math.Abs(float64(p[2*i]-w)) > 1e-6 {
			t.Errorf("entry %d = %v, want %v", 2*i, p[2*i], w)
		}
	}
}

// TestMAEResumes stops a pretraining run before its end, resumes it, and
// checks it ends where an uninterrupted run ends: the masks of a step are
// a function of (seed, step).
func TestMAEResumes(t *testing.T) {
	dir := t.TempDir()
	full := options(t, filepath.Join(dir, "full"))
	if _, err := Run(tinyMAE(), full); err != nil {
		t.Fatal(err)
	}
	cut := options(t, filepath.Join(dir, "cut"))
	cut.StopAfter = 12 // the checkpoint at 8 survives; steps 9-12 are lost
	if _, err := Run(tinyMAE(), cut); err != nil {
		t.Fatal(err)
	}
	cut.StopAfter, cut.Resume = 0, true
	sum, err := Run(Config{}, cut)
	if err != nil {
		t.Fatal(err)
	}
	if sum.FromStep != 8 || sum.Steps != 16 {
		t.Errorf("resumed from %d to %d, want 8 to 16", sum.FromStep, sum.Steps)
	}
	a, _ := train.ReadMetrics(full.Out)
	b, _ := train.ReadMetrics(cut.Out)
	if len(a) != 4 || len(b) != 4 {
		t.Fatalf("%d and %d metric records, want 4", len(a), len(b))
	}
	for i := range a {
		if math.Abs(a[i].Loss-b[i].Loss) > 1e-5 {
			t.Errorf("record %d: loss %v uninterrupted, %v resumed", i, a[i].Loss, b[i].Loss)
		}
	}
	if !(a[3].Loss < a[0].Loss) {
		t.Errorf("MAE loss did not fall: %v -> %v", a[0].Loss, a[3].Loss)
	}
}

// loadedBackbone initialises a classifier context from run and returns its
// variables by path.
func loadedBackbone(t *testing.T, run string, spec model.Spec) map[string]*tensors.Tensor {
	t.Helper()
	ctx := context.New()
	if err := train.InitBackbone(ctx, run, spec); err != nil {
		t.Fatal(err)
	}
	got := map[string]*tensors.Tensor{}
	for v := range ctx.IterVariables() {
		got[v.ScopeAndName()] = v.MustValue()
	}
	return got
}

func newestCheckpoint(t *testing.T, run string) *checkpoint.Checkpoint {
	t.Helper()
	f, err := checkpoint.Latest(filepath.Join(run, train.CheckpointsDir))
	if err != nil || f == "" {
		t.Fatalf("no checkpoint in %s: %v", run, err)
	}
	c, err := checkpoint.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestInitLoadsPretrainedWeights fine-tunes at twice the pretraining size:
// the blocks must be the pretrained ones, the position embedding resized
// to the new grid, and MAE's decoder left behind.
func TestInitLoadsPretrainedWeights(t *testing.T) {
	opt := options(t, filepath.Join(t.TempDir(), "mae"))
	cfg := tinyMAE()
	cfg.MaxSteps = 2
	if _, err := Run(cfg, opt); err != nil {
		t.Fatal(err)
	}
	checkReconstruction(t, opt)
	ck := newestCheckpoint(t, opt.Out)
	big := *cfg.ViT
	big.ImageSize = 56
	got := loadedBackbone(t, opt.Out, model.Spec{ViT: &big, Head: head.Config{Kind: head.Linear, Classes: 10}})
	blocks := 0
	for path, want := range ck.Tensors {
		g, ok := got[path]
		switch {
		case !strings.HasPrefix(path, "/"+model.BackboneScope+"/"):
			if ok {
				t.Errorf("%s was loaded into the classifier", path)
			}
		case strings.HasSuffix(path, "/"+vit.PosEmbedName):
			if !ok || !slices.Equal(g.Shape().Dimensions, []int{1, big.Tokens(), big.Dim}) {
				t.Errorf("%s: %v, want resized to %d tokens", path, g, big.Tokens())
			}
		default:
			if !ok {
				t.Errorf("%s was not loaded", path)
				continue
			}
			if !slices.Equal(tensors.MustCopyFlatData[float32](g), tensors.MustCopyFlatData[float32](want)) {
				t.Errorf("%s differs from the pretrained weights", path)
			}
			blocks++
		}
	}
	if blocks == 0 {
		t.Fatal("no backbone weights compared")
	}
}

// TestSimMIMPretrainsAndTransfers runs SimMIM briefly and loads its encoder
// into a Swin classifier with larger windows (the relative-position MLP is
// shared across window sizes); the mask token stays behind.
func TestSimMIMPretrainsAndTransfers(t *testing.T) {
	opt := options(t, filepath.Join(t.TempDir(), "simmim"))
	cfg := tinySimMIM()
	cfg.Precision = "bf16" // mixed precision trains too
	sum, err := Run(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Steps != 4 || math.IsNaN(sum.LastLoss) || sum.LastLoss <= 0 {
		t.Fatalf("summary %+v", sum)
	}
	checkReconstruction(t, opt)
	ck := newestCheckpoint(t, opt.Out)
	s := *tinySimMIM().SwinV2
	s.ImageSize, s.WindowSizes, s.PretrainedWindowSizes = 56, []int{14, 7}, []int{7, 7}
	got := loadedBackbone(t, opt.Out, model.Spec{SwinV2: &s, Head: head.Config{Kind: head.Linear, Classes: 10}})
	n := 0
	for path, want := range ck.Tensors {
		g, ok := got[path]
		switch {
		case strings.Contains(path, "/"+train.PretrainOnlyScope+"/"), !strings.HasPrefix(path, "/"+model.BackboneScope+"/"):
			if ok {
				t.Errorf("%s was loaded into the classifier", path)
			}
		case !ok:
			t.Errorf("%s was not loaded", path)
		default:
			if !slices.Equal(tensors.MustCopyFlatData[float32](g), tensors.MustCopyFlatData[float32](want)) {
				t.Errorf("%s differs from the pretrained weights", path)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no backbone weights compared")
	}
}

// checkReconstruction reconstructs 3 images of a run: the masked view and
// the reconstruction must equal the original outside the mask, and the
// mask must cover part of each image.
func checkReconstruction(t *testing.T, opt Options) {
	t.Helper()
	r, err := Reconstruct(opt.Backend, opt.Out, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Originals) != 3 || len(r.Originals[0]) != r.Side*r.Side*r.Channels {
		t.Fatalf("%d images of %d values", len(r.Originals), len(r.Originals[0]))
	}
	for e := range r.Originals {
		masked, changed := 0, 0
		for i, o := range r.Originals[e] {
			if r.Masked[e][i] != o && r.Masked[e][i] == 0.5 {
				masked++
				if r.Reconstructed[e][i] != o {
					changed++
				}
				continue
			}
			if r.Reconstructed[e][i] != o {
				t.Fatalf("image %d value %d: reconstruction %v outside the mask, original %v", e, i, r.Reconstructed[e][i], o)
			}
		}
		if masked == 0 || changed == 0 {
			t.Errorf("image %d: %d masked values, %d reconstructed", e, masked, changed)
		}
	}
	b, err := r.PNG(2)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() <= 3*r.Side*2 || img.Bounds().Dy() <= 3*r.Side*2 {
		t.Errorf("grid %v too small", img.Bounds())
	}
}
