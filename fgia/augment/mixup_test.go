package augment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// constBatch returns b images of h x w x c where image i is all float32(i).
func constBatch(b, h, w, c int) []float32 {
	x := make([]float32, b*h*w*c)
	n := h * w * c
	for i := range x {
		x[i] = float32(i / n)
	}
	return x
}

func TestMixupTargets(t *testing.T) {
	const b, h, w, c, k = 6, 8, 10, 3, 5
	labels := []int{0, 1, 2, 3, 4, 1}
	m := DefaultMixup()
	rng := rand.New(rand.NewPCG(1, 1))
	var targets []float32
	cut := 0
	for range 300 {
		var res MixResult
		var err error
		targets, res, err = m.Apply(targets, constBatch(b, h, w, c), h, w, c, labels, k, rng)
		if err != nil {
			t.Fatal(err)
		}
		if res.Lambda < 0 || res.Lambda > 1 {
			t.Fatalf("lambda %v", res.Lambda)
		}
		if res.CutMix {
			cut++
		}
		off, on := 0.1/k, 1-0.1+0.1/k
		for i := range b {
			row := targets[i*k : (i+1)*k]
			sum := 0.0
			want := make([]float64, k)
			for j := range want {
				want[j] = off
			}
			want[labels[i]] += res.Lambda * (on - off)
			want[labels[b-1-i]] += (1 - res.Lambda) * (on - off)
			for j, v := range row {
				sum += float64(v)
				if math.Abs(float64(v)-want[j]) > 1e-6 {
					t.Fatalf("row %d class %d: %v want %v", i, j, v, want[j])
				}
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Fatalf("row %d sums to %v", i, sum)
			}
		}
	}
	if cut < 100 || cut > 200 {
		t.Fatalf("cutmix chosen %d/300 times, switch prob 0.5", cut)
	}
}

func TestMixupBlendsPairs(t *testing.T) {
	const b, h, w, c = 4, 3, 3, 2
	m := DefaultMixup()
	m.CutmixAlpha = 0
	x := constBatch(b, h, w, c)
	_, res, err := m.Apply(nil, x, h, w, c, []int{0, 1, 2, 3}, 4, rand.New(rand.NewPCG(2, 2)))
	if err != nil || res.CutMix {
		t.Fatal(err, res)
	}
	n := h * w * c
	for i := range b {
		want := res.Lambda*float64(i) + (1-res.Lambda)*float64(b-1-i)
		for _, v := range x[i*n : (i+1)*n] {
			if math.Abs(float64(v)-want) > 1e-5 {
				t.Fatalf("image %d: %v want %v", i, v, want)
			}
		}
	}
}

// TestCutmixLambdaIsKeptArea: with λ corrected, it must equal the fraction
// of each image that still holds its own pixels.
func TestCutmixLambdaIsKeptArea(t *testing.T) {
	const b, h, w, c = 5, 20, 30, 3
	m := DefaultMixup()
	m.MixupAlpha = 0
	rng := rand.New(rand.NewPCG(3, 3))
	n := h * w * c
	for range 200 {
		x := constBatch(b, h, w, c)
		_, res, err := m.Apply(nil, x, h, w, c, []int{0, 1, 2, 3, 4}, 5, rng)
		if err != nil {
			t.Fatal(err)
		}
		if res.Lambda == 1 {
			continue
		}
		if !res.CutMix {
			t.Fatal("mixup with alpha 0")
		}
		for i := range b {
			kept := 0
			for _, v := range x[i*n : (i+1)*n] {
				if v == float32(i) {
					kept++
				}
			}
			frac := float64(kept) / float64(n)
			want := res.Lambda
			if i == b/2 { // odd batch: the middle image pairs with itself
				want = 1
			}
			if math.Abs(frac-want) > 1e-9 {
				t.Fatalf("image %d kept %.4f, lambda %.4f, box %+v", i, frac, res.Lambda, res)
			}
		}
	}
}

func TestMixupOff(t *testing.T) {
	m := DefaultMixup()
	m.Prob = 0
	x := constBatch(2, 2, 2, 1)
	tg, res, err := m.Apply(nil, x, 2, 2, 1, []int{1, 0}, 3, rand.New(rand.NewPCG(1, 1)))
	if err != nil || res.Lambda != 1 || x[0] != 0 || x[4] != 1 {
		t.Fatal(err, res, x)
	}
	if math.Abs(float64(tg[1])-(0.9+0.1/3)) > 1e-6 || math.Abs(float64(tg[0])-0.1/3) > 1e-6 {
		t.Fatalf("smoothed one-hot %v", tg)
	}
}

func TestMixupErrors(t *testing.T) {
	m := DefaultMixup()
	rng := rand.New(rand.NewPCG(1, 1))
	if _, _, err := m.Apply(nil, make([]float32, 10), 2, 2, 1, []int{0, 1}, 2, rng); err == nil {
		t.Error("bad image length accepted")
	}
	if _, _, err := m.Apply(nil, make([]float32, 8), 2, 2, 1, []int{0, 2}, 2, rng); err == nil {
		t.Error("label out of range accepted")
	}
}

func TestBetaMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, a := range []float64{0.8, 1.0, 2.5} {
		const n = 40000
		var s, s2 float64
		for range n {
			v := betaSample(a, rng)
			if v < 0 || v > 1 {
				t.Fatalf("beta(%v) = %v", a, v)
			}
			s += v
			s2 += v * v
		}
		mean := s / n
		vr := s2/n - mean*mean
		want := 1 / (4 * (2*a + 1)) // variance of Beta(a, a)
		if math.Abs(mean-0.5) > 0.01 || math.Abs(vr-want) > 0.01 {
			t.Errorf("beta(%v): mean %.4f var %.4f want 0.5 %.4f", a, mean, vr, want)
		}
	}
}
