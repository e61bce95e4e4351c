package augment

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fgia/fgia/fgia/imagefile"
)

// photo is a synthetic w x h photo-like image: smooth color gradients and
// blobs plus sensor noise, so histogram and LUT ops see realistic data.
func photo(w, h int, gray bool) *imagefile.RGB {
	rng := rand.New(rand.NewPCG(42, 42))
	return newImage(w, h, func(x, y, c int) uint8 {
		fx, fy := float64(x)/float64(w), float64(y)/float64(h)
		v := 128 + 60*math.Sin(6*fx+float64(c)) + 50*math.Cos(9*fy*fx) + 8*rng.NormFloat64()
		if gray {
			v = 128 + 80*math.Sin(7*fx)*math.Cos(5*fy)
		}
		return uint8(max(0, min(255, v)))
	})
}

func benchPipeline(b *testing.B, p *Pipeline, src *imagefile.RGB) {
	wk := p.NewWorker()
	out := make([]float32, p.Len())
	rng := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := wk.Apply(out, src, rng); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
}

// BenchmarkTrain28 is the small demo setting: 28x28 gray input to 28x28
// gray output, RRC scale (0.35, 1), flip, full RandAugment and erasing.
func BenchmarkTrain28(b *testing.B) {
	cfg := DefaultTrain(28).WithGray(0.5, 0.5)
	cfg.Scale = [2]float64{0.35, 1}
	benchPipeline(b, mustTrain(b, cfg), photo(28, 28, true))
}

// BenchmarkTrain448 is the champion's train transform on a typical 500x375
// photo.
func BenchmarkTrain448(b *testing.B) {
	benchPipeline(b, mustTrain(b, DefaultTrain(448)), photo(500, 375, false))
}

// BenchmarkEval448 is the eval transform on the same photo.
func BenchmarkEval448(b *testing.B) {
	benchPipeline(b, mustEval(b, DefaultEval(448)), photo(500, 375, false))
}

// BenchmarkMixup448 mixes a batch of 32 normalized 448x448 images.
func BenchmarkMixup448(b *testing.B) {
	const n, s = 32, 448
	x := make([]float32, n*s*s*3)
	labels := make([]int, n)
	m := DefaultMixup()
	rng := rand.New(rand.NewPCG(1, 1))
	var tg []float32
	b.ResetTimer()
	for b.Loop() {
		tg, _, _ = m.Apply(tg, x, s, s, 3, labels, 1000, rng)
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "img/s")
}
