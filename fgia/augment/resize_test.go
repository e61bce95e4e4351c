package augment

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fgia/fgia/fgia/imagefile"
)

// newImage returns a w x h RGB image with f(x, y, c) as pixel values.
func newImage(w, h int, f func(x, y, c int) uint8) *imagefile.RGB {
	m := &imagefile.RGB{Width: w, Height: h, Pix: make([]uint8, w*h*3)}
	for y := range h {
		for x := range w {
			for c := range 3 {
				m.Pix[(y*w+x)*3+c] = f(x, y, c)
			}
		}
	}
	return m
}

func noiseImage(w, h int, seed uint64) *imagefile.RGB {
	rng := rand.New(rand.NewPCG(seed, 1))
	return newImage(w, h, func(x, y, c int) uint8 { return uint8(rng.IntN(256)) })
}

// resize resamples the src box b to outW x outH with optional flip.
func resize(src *imagefile.RGB, b box, outW, outH int, flip bool) []uint8 {
	var r resampler
	r.kx.set(b.x, b.w, outW, 0, outW, flip)
	r.ky.set(b.y, b.h, outH, 0, outH, false)
	out := make([]uint8, outW*outH*3)
	r.resample(out, src, outW, outH)
	return out
}

func TestFlipMirrorsExactly(t *testing.T) {
	src := noiseImage(57, 41, 1)
	for _, tc := range []struct {
		name       string
		b          box
		outW, outH int
	}{
		{"identity", box{0, 0, 57, 41}, 57, 41},
		{"up", box{3, 5, 20, 17}, 64, 48},
		{"down", box{0, 0, 57, 41}, 13, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := resize(src, tc.b, tc.outW, tc.outH, false)
			f := resize(src, tc.b, tc.outW, tc.outH, true)
			for y := range tc.outH {
				for x := range tc.outW {
					for c := range 3 {
						if a[(y*tc.outW+x)*3+c] != f[(y*tc.outW+tc.outW-1-x)*3+c] {
							t.Fatalf("pixel (%d,%d,%d) not mirrored", x, y, c)
						}
					}
				}
			}
		})
	}
}

func TestResizeIdentityCopies(t *testing.T) {
	src := noiseImage(31, 23, 2)
	got := resize(src, box{0, 0, 31, 23}, 31, 23, false)
	for i := range got {
		if got[i] != src.Pix[i] {
			t.Fatalf("value %d: got %d want %d", i, got[i], src.Pix[i])
		}
	}
}

func TestResizeConstantStaysConstant(t *testing.T) {
	src := newImage(100, 80, func(x, y, c int) uint8 { return []uint8{0, 77, 255}[c] })
	for _, tc := range []struct {
		b          box
		outW, outH int
	}{
		{box{0, 0, 100, 80}, 448, 448},
		{box{0, 0, 100, 80}, 7, 5},
		{box{13, 9, 37, 61}, 29, 100},
		{box{99, 79, 1, 1}, 16, 16},
	} {
		got := resize(src, tc.b, tc.outW, tc.outH, false)
		for i, v := range got {
			if v != []uint8{0, 77, 255}[i%3] {
				t.Fatalf("%+v -> %dx%d: value %d = %d", tc.b, tc.outW, tc.outH, i, v)
			}
		}
	}
}

// TestResizeGradient checks bicubic against the analytic answer: the a=-0.5
// kernel, normalized, reproduces a linear ramp exactly wherever its support
// stays inside the image, so output sample i must equal the ramp at source
// coordinate (i+0.5)*scale - 0.5, up to the final rounding.
func TestResizeGradient(t *testing.T) {
	const W, H = 100, 90
	f := func(x, y float64) float64 { return 10 + 1.2*x + 1.0*y }
	src := newImage(W, H, func(x, y, c int) uint8 { return uint8(math.Round(f(float64(x), float64(y)))) })
	// Source values are rounded, so only ±0.5 + rounding of the output.
	for _, tc := range []struct{ outW, outH int }{{250, 225}, {37, 41}, {100, 90}, {160, 30}} {
		got := resize(src, box{0, 0, W, H}, tc.outW, tc.outH, false)
		sx, sy := float64(W)/float64(tc.outW), float64(H)/float64(tc.outH)
		supX, supY := 2*max(sx, 1)+1, 2*max(sy, 1)+1
		checked := 0
		for j := range tc.outH {
			cy := (float64(j) + 0.5) * sy
			if cy-supY < 0 || cy+supY > H {
				continue
			}
			for i := range tc.outW {
				cx := (float64(i) + 0.5) * sx
				if cx-supX < 0 || cx+supX > W {
					continue
				}
				want := f(cx-0.5, cy-0.5)
				if v := float64(got[(j*tc.outW+i)*3+1]); math.Abs(v-want) > 1.0 {
					t.Fatalf("%dx%d at (%d,%d): got %v want %.2f", tc.outW, tc.outH, i, j, v, want)
				}
				checked++
			}
		}
		if checked < tc.outW*tc.outH/3 {
			t.Fatalf("%dx%d: only %d interior samples checked", tc.outW, tc.outH, checked)
		}
	}
}

// TestResizeCheckerboardAntialiased: a 1-pixel checkerboard has all its
// energy at the Nyquist frequency; an antialiased downscale must average it
// to mid-gray, while point sampling with a fixed 4-tap kernel would not.
func TestResizeCheckerboardAntialiased(t *testing.T) {
	src := newImage(200, 200, func(x, y, c int) uint8 { return uint8(255 * ((x + y) & 1)) })
	for _, out := range []int{37, 64, 99} {
		got := resize(src, box{0, 0, 200, 200}, out, out, false)
		worst := 0.0
		for _, v := range got {
			worst = max(worst, math.Abs(float64(v)-127.5))
		}
		if worst > 6 {
			t.Errorf("200 -> %d: max deviation from gray %.1f", out, worst)
		}
	}
}
