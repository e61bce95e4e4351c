package augment

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fgia/fgia/fgia/imagefile"
)

// fallbackBox is torchvision's deterministic RandomResizedCrop fallback.
func fallbackBox(w, h int, ratio [2]float64) box {
	return rrcBox(w, h, [2]float64{2, 2}, ratio, rand.New(rand.NewPCG(0, 0))) // scale 2 never fits
}

func TestRRCBoxBounds(t *testing.T) {
	ratio := [2]float64{3.0 / 4, 4.0 / 3}
	for _, tc := range []struct {
		w, h          int
		scale         [2]float64
		wantFallbacks bool
	}{
		{500, 375, [2]float64{0.08, 1}, false},
		{375, 500, [2]float64{0.08, 1}, false},
		{28, 28, [2]float64{0.35, 1}, false},
		{1000, 100, [2]float64{0.08, 1}, true}, // wide: large areas cannot fit
		{7, 5, [2]float64{0.08, 1}, false},
	} {
		rng := rand.New(rand.NewPCG(uint64(tc.w), uint64(tc.h)))
		fb := fallbackBox(tc.w, tc.h, ratio)
		area := float64(tc.w * tc.h)
		fallbacks := 0
		for range 5000 {
			b := rrcBox(tc.w, tc.h, tc.scale, ratio, rng)
			if b.x < 0 || b.y < 0 || b.w < 1 || b.h < 1 || b.x+b.w > tc.w || b.y+b.h > tc.h {
				t.Fatalf("%dx%d: box %+v outside the image", tc.w, tc.h, b)
			}
			if b == fb {
				fallbacks++
				continue
			}
			// Sides are rounded to integers, so allow ±0.5 on each.
			bw, bh := float64(b.w), float64(b.h)
			if (bw-0.5)*(bh-0.5) > tc.scale[1]*area || (bw+0.5)*(bh+0.5) < tc.scale[0]*area {
				t.Fatalf("%dx%d: box %+v area fraction %.3f outside %v", tc.w, tc.h, b, bw*bh/area, tc.scale)
			}
			if (bw-0.5)/(bh+0.5) > ratio[1] || (bw+0.5)/(bh-0.5) < ratio[0] {
				t.Fatalf("%dx%d: box %+v ratio %.3f outside %v", tc.w, tc.h, b, bw/bh, ratio)
			}
		}
		if tc.wantFallbacks != (fallbacks > 100) {
			t.Errorf("%dx%d: %d fallbacks in 5000 draws", tc.w, tc.h, fallbacks)
		}
	}
}

func TestRRCFallback(t *testing.T) {
	ratio := [2]float64{3.0 / 4, 4.0 / 3}
	for _, tc := range []struct {
		w, h int
		want box
	}{
		{1000, 100, box{433, 0, 133, 100}}, // too wide: h * 4/3
		{100, 1000, box{0, 433, 100, 133}}, // too tall: round(w / (3/4))
		{300, 250, box{0, 0, 300, 250}},    // in range: whole image
	} {
		if got := fallbackBox(tc.w, tc.h, ratio); got != tc.want {
			t.Errorf("%dx%d: fallback %+v want %+v", tc.w, tc.h, got, tc.want)
		}
	}
}

func TestRRCScaleCoverage(t *testing.T) {
	// The area fraction must actually spread over the range, not collapse.
	rng := rand.New(rand.NewPCG(9, 9))
	lo, hi := 1.0, 0.0
	for range 5000 {
		b := rrcBox(500, 375, [2]float64{0.08, 1}, [2]float64{3.0 / 4, 4.0 / 3}, rng)
		f := float64(b.w*b.h) / (500 * 375)
		lo, hi = min(lo, f), max(hi, f)
	}
	if lo > 0.1 || hi < 0.7 {
		t.Errorf("area fractions span [%.3f, %.3f], want about [0.08, 1)", lo, hi)
	}
}

func TestEvalGeometry(t *testing.T) {
	for _, tc := range []struct {
		w, h, size     int
		pct            float64
		rw, rh, cx, cy int
	}{
		{500, 375, 448, 0.875, 682, 512, 117, 32},
		{500, 375, 224, 0.875, 341, 256, 58, 16}, // (341-224)/2 = 58.5 rounds half to even
		{375, 500, 224, 0.875, 256, 341, 16, 58},
		{28, 28, 28, 1, 28, 28, 0, 0},
		{10, 10, 28, 0.875, 32, 32, 2, 2}, // upscale small images
	} {
		rw, rh, cx, cy := evalGeometry(tc.w, tc.h, tc.size, tc.pct)
		if rw != tc.rw || rh != tc.rh || cx != tc.cx || cy != tc.cy {
			t.Errorf("%dx%d -> %d/%v: got %d %d %d %d want %d %d %d %d", tc.w, tc.h, tc.size, tc.pct,
				rw, rh, cx, cy, tc.rw, tc.rh, tc.cx, tc.cy)
		}
	}
}

// TestEvalCenteredMarker: a marker at the center of the source must land
// at the center of the eval crop.
func TestEvalCenteredMarker(t *testing.T) {
	for _, tc := range []struct{ w, h, size int }{{301, 201, 64}, {200, 300, 64}, {500, 375, 448}} {
		cx, cy := float64(tc.w)/2, float64(tc.h)/2
		r := float64(min(tc.w, tc.h)) / 10
		src := newImage(tc.w, tc.h, func(x, y, c int) uint8 {
			if c == 0 && math.Abs(float64(x)+0.5-cx) < r && math.Abs(float64(y)+0.5-cy) < r {
				return 255
			}
			return 0
		})
		p, err := Eval(DefaultEval(tc.size))
		if err != nil {
			t.Fatal(err)
		}
		wk := p.NewWorker()
		out := &imagefile.RGB{}
		if err := wk.ApplyRGB(out, src, nil); err != nil {
			t.Fatal(err)
		}
		var sx, sy, sw float64
		for y := range tc.size {
			for x := range tc.size {
				v := float64(out.Pix[(y*tc.size+x)*3])
				sx += v * (float64(x) + 0.5)
				sy += v * (float64(y) + 0.5)
				sw += v
			}
		}
		mid := float64(tc.size) / 2
		// The crop offset is rounded to whole resized pixels: ±0.5 plus
		// the source's own half-pixel asymmetry scaled.
		if gx, gy := sx/sw, sy/sw; math.Abs(gx-mid) > 1 || math.Abs(gy-mid) > 1 {
			t.Errorf("%dx%d -> %d: marker centroid (%.2f, %.2f), want (%.1f, %.1f)", tc.w, tc.h, tc.size, gx, gy, mid, mid)
		}
	}
}
