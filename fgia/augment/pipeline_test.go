package augment

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/fgia/fgia/fgia/imagefile"
)

func mustTrain(t testing.TB, cfg Config) *Pipeline {
	t.Helper()
	p, err := Train(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustEval(t testing.TB, cfg Config) *Pipeline {
	t.Helper()
	p, err := Eval(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func build(t testing.TB, cfg Config, eval bool) *Pipeline {
	if eval {
		return mustEval(t, cfg)
	}
	return mustTrain(t, cfg)
}

func TestOutputShapeAndErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		c    int
		eval bool
	}{
		{"train rgb", DefaultTrain(64), 3, false},
		{"eval rgb", DefaultEval(64), 3, true},
		{"train gray", DefaultTrain(28).WithGray(0.5, 0.5), 1, false},
	} {
		p := build(t, tc.cfg, tc.eval)
		if h, w, c := p.Shape(); h != tc.cfg.Size || w != tc.cfg.Size || c != tc.c || p.Len() != h*w*c {
			t.Fatalf("%s: shape %d %d %d len %d", tc.name, h, w, c, p.Len())
		}
		wk := p.NewWorker()
		rng := rand.New(rand.NewPCG(1, 1))
		if err := wk.Apply(make([]float32, p.Len()), noiseImage(50, 30, 1), rng); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err := wk.Apply(make([]float32, p.Len()+1), noiseImage(50, 30, 1), rng); err == nil {
			t.Fatalf("%s: wrong dst length accepted", tc.name)
		}
		if err := wk.Apply(make([]float32, p.Len()), &imagefile.RGB{Width: 2, Height: 2}, rng); err == nil {
			t.Fatalf("%s: malformed image accepted", tc.name)
		}
		err := wk.Apply(make([]float32, p.Len()), noiseImage(5, 5, 1), nil)
		if tc.eval != (err == nil) {
			t.Fatalf("%s: nil rng: %v", tc.name, err)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []func(c *Config){
		func(c *Config) { c.Size = 0 },
		func(c *Config) { c.Mean = c.Mean[:1] },
		func(c *Config) { c.Gray = true },
		func(c *Config) { c.Std = []float32{1, 0, 1} },
		func(c *Config) { c.Scale = [2]float64{0.5, 0.1} },
		func(c *Config) { c.Ratio = [2]float64{0, 1} },
		func(c *Config) { c.HFlip = 2 },
		func(c *Config) { c.RandAug.Prob = -1 },
		func(c *Config) { c.RandAug.Ops = []Op{numOps} },
		func(c *Config) { c.Erase.MaxArea = 2 },
		func(c *Config) { c.Erase.MinAspect = 0 },
		func(c *Config) { c.RandomCrop = false; c.CropPct = 0 },
	}
	for i, f := range bad {
		c := DefaultTrain(32)
		f(&c)
		if _, err := Train(c); err == nil {
			t.Errorf("case %d: bad config accepted", i)
		}
	}
	// Stages off are valid.
	c := DefaultTrain(32)
	c.RandomCrop, c.HFlip, c.RandAug.N, c.Erase.Prob = false, 0, 0, 0
	if _, err := Train(c); err != nil {
		t.Fatal(err)
	}
}

func TestDeterministicWithSeed(t *testing.T) {
	p := mustTrain(t, DefaultTrain(96))
	src := noiseImage(120, 90, 5)
	run := func(seed uint64) []float32 {
		out := make([]float32, p.Len())
		if err := p.NewWorker().Apply(out, src, rand.New(rand.NewPCG(seed, 7))); err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different output")
	}
	if slices.Equal(a, c) {
		t.Fatal("different seeds, same output")
	}
	// A worker reused across images and goroutines gives the same result
	// as a fresh one: no state leaks between calls.
	var wg sync.WaitGroup
	results := make([][]float32, 8)
	for g := range results {
		wg.Go(func() {
			wk := p.NewWorker()
			out := make([]float32, p.Len())
			for s := range uint64(g + 1) {
				_ = wk.Apply(out, noiseImage(70, 70, s), rand.New(rand.NewPCG(s, 3)))
			}
			_ = wk.Apply(out, src, rand.New(rand.NewPCG(1, 7)))
			results[g] = out
		})
	}
	wg.Wait()
	for g, r := range results {
		if !slices.Equal(r, a) {
			t.Fatalf("goroutine %d differs", g)
		}
	}
}

func TestNormalizeConstantImage(t *testing.T) {
	rgb := [3]uint8{200, 100, 30}
	src := newImage(40, 50, func(x, y, c int) uint8 { return rgb[c] })
	p := mustEval(t, DefaultEval(32))
	out := make([]float32, p.Len())
	if err := p.NewWorker().Apply(out, src, nil); err != nil {
		t.Fatal(err)
	}
	for i, v := range out {
		c := i % 3
		want := (float64(rgb[c])/255 - float64(ImageNetMean[c])) / float64(ImageNetStd[c])
		if math.Abs(float64(v)-want) > 1e-5 {
			t.Fatalf("value %d: %v want %v", i, v, want)
		}
	}
}

func TestGrayOutput(t *testing.T) {
	rgb := [3]uint8{200, 100, 30}
	src := newImage(28, 28, func(x, y, c int) uint8 { return rgb[c] })
	for _, train := range []bool{false, true} {
		cfg := DefaultEval(28).WithGray(0.3, 0.25)
		p := mustEval(t, cfg)
		if train {
			cfg = DefaultTrain(28).WithGray(0.3, 0.25)
			cfg.RandAug.N, cfg.Erase.Prob = 0, 0 // geometry only: a constant image stays constant
			p = mustTrain(t, cfg)
		}
		out := make([]float32, p.Len())
		if len(out) != 28*28 {
			t.Fatalf("len %d", len(out))
		}
		if err := p.NewWorker().Apply(out, src, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		l := (0.299*200 + 0.587*100 + 0.114*30) / 255
		want := (l - 0.3) / 0.25
		for i, v := range out {
			if math.Abs(float64(v)-want) > 1e-5 {
				t.Fatalf("train=%v value %d: %v want %v", train, i, v, want)
			}
		}
	}
}

// TestTrainFlipMirrorsEval: with the crop off, training geometry equals
// the eval geometry, so an always-flip train output must be the exact
// mirror of the eval output.
func TestTrainFlipMirrorsEval(t *testing.T) {
	src := noiseImage(90, 70, 11)
	cfg := DefaultTrain(48)
	cfg.RandomCrop, cfg.HFlip, cfg.RandAug.N, cfg.Erase.Prob = false, 1, 0, 0
	tr, ev := mustTrain(t, cfg), mustEval(t, DefaultEval(48))
	a, b := make([]float32, tr.Len()), make([]float32, ev.Len())
	if err := tr.NewWorker().Apply(a, src, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	if err := ev.NewWorker().Apply(b, src, nil); err != nil {
		t.Fatal(err)
	}
	for y := range 48 {
		for x := range 48 {
			for c := range 3 {
				if a[(y*48+x)*3+c] != b[(y*48+47-x)*3+c] {
					t.Fatalf("(%d,%d,%d) not mirrored", x, y, c)
				}
			}
		}
	}
}

func TestFlipProbability(t *testing.T) {
	// A left-dark/right-bright image: the flipped output has its bright
	// half on the left.
	src := newImage(64, 64, func(x, y, c int) uint8 { return uint8(255 * (x / 32)) })
	cfg := DefaultTrain(16)
	cfg.RandomCrop, cfg.RandAug.N, cfg.Erase.Prob = false, 0, 0
	p := mustTrain(t, cfg)
	wk := p.NewWorker()
	rng := rand.New(rand.NewPCG(3, 3))
	out := make([]float32, p.Len())
	flips := 0
	const n = 2000
	for range n {
		_ = wk.Apply(out, src, rng)
		if out[0] > out[15*3] {
			flips++
		}
	}
	if f := float64(flips) / n; math.Abs(f-0.5) > 0.04 {
		t.Fatalf("flip rate %.3f", f)
	}
}

func TestEraseBoxBoundsAndRate(t *testing.T) {
	e := DefaultErasing()
	for _, size := range []int{448, 28} {
		rng := rand.New(rand.NewPCG(uint64(size), 1))
		area := float64(size * size)
		erased := 0
		const n = 20000
		for range n {
			b, ok := e.eraseBox(size, size, rng)
			if !ok {
				continue
			}
			erased++
			if b.x < 0 || b.y < 0 || b.x+b.w > size || b.y+b.h > size || b.w >= size || b.h >= size {
				t.Fatalf("box %+v outside %d", b, size)
			}
			bw, bh := float64(b.w), float64(b.h)
			if (bw-0.5)*(bh-0.5) > e.MaxArea*area || (bw+0.5)*(bh+0.5) < e.MinArea*area {
				t.Fatalf("box %+v area fraction %.3f", b, bw*bh/area)
			}
			if (bh-0.5)/(bw+0.5) > 1/e.MinAspect || (bh+0.5)/(bw-0.5) < e.MinAspect {
				t.Fatalf("box %+v aspect %.3f", b, bh/bw)
			}
		}
		// p = 0.25, less the rare draws where 10 tries find no fitting box.
		if r := float64(erased) / n; r < 0.22 || r > 0.26 {
			t.Fatalf("size %d: erase rate %.3f", size, r)
		}
	}
}

func TestEraseWritesOnlyTheBox(t *testing.T) {
	for _, mode := range []EraseMode{ErasePixel, EraseRand, EraseConst} {
		e := DefaultErasing()
		e.Prob, e.Mode = 1, mode
		const h, w, c = 40, 30, 3
		img := make([]float32, h*w*c)
		for i := range img {
			img[i] = 42
		}
		rng := rand.New(rand.NewPCG(4, uint64(mode)))
		b, ok := e.eraseBox(h, w, rand.New(rand.NewPCG(4, uint64(mode))))
		e.erase(img, h, w, c, rng)
		changed := 0
		var sum, sq float64
		for y := range h {
			for x := range w {
				in := ok && x >= b.x && x < b.x+b.w && y >= b.y && y < b.y+b.h
				for k := range c {
					v := img[(y*w+x)*c+k]
					if !in && v != 42 {
						t.Fatalf("mode %d: (%d,%d) outside box %+v changed", mode, x, y, b)
					}
					if in {
						changed++
						sum += float64(v)
						sq += float64(v) * float64(v)
					}
				}
			}
		}
		if !ok || changed != b.w*b.h*c {
			t.Fatalf("mode %d: box %+v ok=%v, %d changed", mode, b, ok, changed)
		}
		if mode == ErasePixel {
			m := sum / float64(changed)
			sd := math.Sqrt(sq/float64(changed) - m*m)
			if math.Abs(m) > 0.2 || math.Abs(sd-1) > 0.2 {
				t.Fatalf("pixel noise mean %.3f sd %.3f", m, sd)
			}
		}
	}
}

func TestApplyDoesNotAllocate(t *testing.T) {
	src := noiseImage(200, 150, 8)
	for i, cfg := range []Config{DefaultTrain(64), DefaultEval(64), DefaultTrain(28).WithGray(0.5, 0.5)} {
		p := build(t, cfg, i == 1)
		wk := p.NewWorker()
		out := make([]float32, p.Len())
		rng := rand.New(rand.NewPCG(1, 2))
		for range 50 { // warm the scratch up to its largest size
			_ = wk.Apply(out, src, rng)
		}
		if a := testing.AllocsPerRun(50, func() { _ = wk.Apply(out, src, rng) }); a > 0.1 {
			t.Errorf("%d: %.2f allocations per Apply", cfg.Size, a)
		}
	}
}
