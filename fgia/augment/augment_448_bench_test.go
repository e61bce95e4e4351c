package augment

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/fgia/fgia/fgia/imagefile"
)

// The loader's per-image work at the champion's resolution, as
// fgia/loader does it: imagefile.DecodeRGB of a JPEG, then a Worker's
// Apply into the normalised float32 slice the batch holds. Run one core at a
// time to get img/s per core (reports/loader-448.md):
//
//	go test ./fgia/augment -run '^$' -bench Loader448 -cpu 1 -benchtime 3s

// photoJPEG is photo(w, h) encoded as a baseline JPEG at quality q: the
// typical web photo of the competition set is about 500x375.
func photoJPEG(tb testing.TB, w, h, q int) []byte {
	src := photo(w, h, false)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(img.Pix[4*i:4*i+3], src.Pix[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// benchLoader times decode (+ p's transform when p is not nil) of data.
func benchLoader(b *testing.B, p *Pipeline, data []byte) {
	var wk *Worker
	var out []float32
	if p != nil {
		wk = p.NewWorker()
		out = make([]float32, p.Len())
	}
	rng := rand.New(rand.NewPCG(1, 1))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		img, _, err := imagefile.DecodeRGB(data, 0)
		if err != nil {
			b.Fatal(err)
		}
		if wk != nil {
			if err := wk.Apply(out, img, rng); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
}

// BenchmarkLoader448Decode is JPEG decoding alone (500x375, quality 90).
func BenchmarkLoader448Decode(b *testing.B) {
	benchLoader(b, nil, photoJPEG(b, 500, 375, 90))
}

// BenchmarkLoader448Train is decode + the champion's train transform at 448
// (bicubic RandomResizedCrop, flip, RandAugment 2 ops at magnitude 9,
// random erasing 0.25, normalisation).
func BenchmarkLoader448Train(b *testing.B) {
	benchLoader(b, mustTrain(b, DefaultTrain(448)), photoJPEG(b, 500, 375, 90))
}

// BenchmarkLoader448Eval is decode + the eval transform at 448 (resize,
// center crop, normalisation).
func BenchmarkLoader448Eval(b *testing.B) {
	benchLoader(b, mustEval(b, DefaultEval(448)), photoJPEG(b, 500, 375, 90))
}

// BenchmarkLoader384Train is decode + the train transform at Swin-V2's 384.
func BenchmarkLoader384Train(b *testing.B) {
	benchLoader(b, mustTrain(b, DefaultTrain(384)), photoJPEG(b, 500, 375, 90))
}

// TestPhotoJPEGDecodes keeps the benchmark's input honest: the JPEG decodes
// to the size it was made at, and both 448 transforms accept it.
func TestPhotoJPEGDecodes(t *testing.T) {
	data := photoJPEG(t, 500, 375, 90)
	img, _, err := imagefile.DecodeRGB(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 500 || img.Height != 375 {
		t.Fatalf("decoded %dx%d", img.Width, img.Height)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, p := range []*Pipeline{mustTrain(t, DefaultTrain(448)), mustEval(t, DefaultEval(448))} {
		out := make([]float32, p.Len())
		if err := p.NewWorker().Apply(out, img, rng); err != nil {
			t.Fatal(err)
		}
	}
}
