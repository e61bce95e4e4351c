package augment

import (
	"math"
	"testing"
)

// TestEvalAtInputSizeIsUntouched: an image already at the model's input
// size with crop_pct 1 reaches the model as it is (normalised only), with
// either filter — what a timm model's recorded preprocessing promises.
func TestEvalAtInputSizeIsUntouched(t *testing.T) {
	src := noiseImage(24, 24, 3)
	for _, interp := range []string{"", InterpBicubic, InterpBilinear} {
		cfg := DefaultEval(24)
		cfg.CropPct = 1
		cfg.Interpolation = interp
		p, err := Eval(cfg)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, p.Len())
		if err := p.NewWorker().Apply(dst, src, nil); err != nil {
			t.Fatal(err)
		}
		for i, v := range src.Pix {
			c := i % 3
			want := (float32(v)/255 - cfg.Mean[c]) / cfg.Std[c]
			if math.Abs(float64(dst[i]-want)) > 1e-5 {
				t.Fatalf("%q: value %d is %g, want %g (the pixel untouched)", interp, i, dst[i], want)
			}
		}
	}
}

// TestBilinearDiffersFromBicubic: upscaling a step, PIL's bilinear filter
// gives a monotonic ramp, and a result other than bicubic's.
func TestBilinearDiffersFromBicubic(t *testing.T) {
	step := newImage(8, 8, func(x, y, c int) uint8 {
		if x < 4 {
			return 0
		}
		return 255
	})
	run := func(interp string) []uint8 {
		var r resampler
		r.kx.useBilinear = interp == InterpBilinear
		r.ky.useBilinear = r.kx.useBilinear
		r.kx.set(0, 8, 16, 0, 16, false)
		r.ky.set(0, 8, 16, 0, 16, false)
		out := make([]uint8, 16*16*3)
		r.resample(out, step, 16, 16)
		return out
	}
	cubic, linear := run(InterpBicubic), run(InterpBilinear)
	row := func(img []uint8, x int) uint8 { return img[(5*16+x)*3] }
	for x := 1; x < 16; x++ {
		if row(linear, x) < row(linear, x-1) {
			t.Errorf("bilinear not monotonic at %d: %d < %d", x, row(linear, x), row(linear, x-1))
		}
	}
	differ := false
	for x := range 16 {
		differ = differ || row(linear, x) != row(cubic, x)
	}
	if !differ {
		t.Error("bilinear and bicubic give the same row")
	}
	if _, err := Eval(Config{Size: 8, Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}, CropPct: 1, Interpolation: "lanczos"}); err == nil {
		t.Error("lanczos: no error")
	}
}
