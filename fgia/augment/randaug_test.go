package augment

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
)

func img8(src []uint8, w, h int) *image8 {
	return &image8{pix: append([]uint8(nil), src...), tmp: make([]uint8, len(src)), w: w, h: h}
}

var gray = [3]uint8{128, 128, 128}

func TestOpsIdentities(t *testing.T) {
	const w, h = 23, 17
	src := noiseImage(w, h, 3).Pix
	for _, tc := range []struct {
		name string
		op   func(m *image8)
	}{
		{"invert twice", func(m *image8) { invert(m.pix); invert(m.pix) }},
		{"posterize 8 bits", func(m *image8) { posterize(m.pix, 8) }},
		{"solarize threshold 256", func(m *image8) { solarize(m.pix, 256) }},
		{"solarize-add 0", func(m *image8) { solarizeAdd(m.pix, 0, 128) }},
		{"rotate 0", func(m *image8) { rotate(m, 0, gray) }},
		{"rotate 360", func(m *image8) { rotate(m, 360, gray) }},
		{"shear 0", func(m *image8) { affine(m, [6]float64{1, 0, 0, 0, 1, 0}, gray) }},
		{"brightness 1", func(m *image8) { brightness(m.pix, 1) }},
		{"contrast 1", func(m *image8) { contrast(m.pix, 1) }},
		{"color 1", func(m *image8) { color(m.pix, 1) }},
		{"sharpness 1", func(m *image8) { sharpness(m, 1) }},
		{"autocontrast of full-range noise", func(m *image8) { autoContrast(m.pix) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := img8(src, w, h)
			tc.op(m)
			if !bytes.Equal(m.pix, src) {
				t.Fatal("image changed")
			}
		})
	}
}

func TestOpsExact(t *testing.T) {
	const w, h = 16, 16
	src := noiseImage(w, h, 4).Pix
	at := func(p []uint8, x, y, c int) uint8 { return p[(y*w+x)*3+c] }
	for _, tc := range []struct {
		name  string
		op    func(m *image8)
		check func(t *testing.T, got []uint8)
	}{
		{"solarize 0 inverts", func(m *image8) { solarize(m.pix, 0) }, func(t *testing.T, got []uint8) {
			for i, v := range got {
				if v != 255-src[i] {
					t.Fatalf("value %d: %d", i, v)
				}
			}
		}},
		{"solarize 128", func(m *image8) { solarize(m.pix, 128) }, func(t *testing.T, got []uint8) {
			for i, v := range got {
				if want := src[i]; (want < 128 && v != want) || (want >= 128 && v != 255-want) {
					t.Fatalf("value %d: %d from %d", i, v, want)
				}
			}
		}},
		{"posterize 2 bits", func(m *image8) { posterize(m.pix, 2) }, func(t *testing.T, got []uint8) {
			for i, v := range got {
				if v != src[i]&0xc0 {
					t.Fatalf("value %d: %d", i, v)
				}
			}
		}},
		{"posterize 0 bits is black", func(m *image8) { posterize(m.pix, 0) }, func(t *testing.T, got []uint8) {
			if !bytes.Equal(got, make([]uint8, len(got))) {
				t.Fatal("not black")
			}
		}},
		{"solarize-add 100 saturates below 128 only", func(m *image8) { solarizeAdd(m.pix, 100, 128) }, func(t *testing.T, got []uint8) {
			for i, v := range got {
				s := int(src[i])
				if want := map[bool]int{true: min(255, s+100), false: s}[s < 128]; int(v) != want {
					t.Fatalf("value %d: %d from %d", i, v, s)
				}
			}
		}},
		{"color 0 is gray", func(m *image8) { color(m.pix, 0) }, func(t *testing.T, got []uint8) {
			for i := 0; i < len(got); i += 3 {
				if l := luma(src[i], src[i+1], src[i+2]); got[i] != l || got[i+1] != l || got[i+2] != l {
					t.Fatalf("pixel %d: %v want luma %d", i/3, got[i:i+3], l)
				}
			}
		}},
		{"contrast 0 is uniform", func(m *image8) { contrast(m.pix, 0) }, func(t *testing.T, got []uint8) {
			for _, v := range got {
				if v != got[0] {
					t.Fatal("not uniform")
				}
			}
		}},
		{"brightness 0.5 halves", func(m *image8) { brightness(m.pix, 0.5) }, func(t *testing.T, got []uint8) {
			for i, v := range got {
				if v != src[i]/2 {
					t.Fatalf("value %d: %d from %d", i, v, src[i])
				}
			}
		}},
		{"rotate 90 is a quarter turn counter-clockwise", func(m *image8) { rotate(m, 90, gray) }, func(t *testing.T, got []uint8) {
			for y := range h {
				for x := range w {
					for c := range 3 {
						if at(got, x, y, c) != at(src, w-1-y, x, c) {
							t.Fatalf("(%d,%d)", x, y)
						}
					}
				}
			}
		}},
		{"translate x by 3 shifts left and fills", func(m *image8) { affine(m, [6]float64{1, 0, 3, 0, 1, 0}, gray) }, func(t *testing.T, got []uint8) {
			for y := range h {
				for x := range w {
					for c := range 3 {
						want := gray[c]
						if x+3 < w {
							want = at(src, x+3, y, c)
						}
						if at(got, x, y, c) != want {
							t.Fatalf("(%d,%d)", x, y)
						}
					}
				}
			}
		}},
		{"shear x 0.3 keeps row 0 nearly, fills the far corner", func(m *image8) { affine(m, [6]float64{1, 0.3, 0, 0, 1, 0}, gray) }, func(t *testing.T, got []uint8) {
			for c := range 3 {
				if at(got, w-1, h-1, c) != gray[c] {
					t.Fatal("bottom-right not filled")
				}
			}
			// Row 0 samples x+0.15: a blend of neighbours, never fill.
			for x := range w - 1 {
				a, b := int(at(src, x, 0, 0)), int(at(src, x+1, 0, 0))
				if v := int(at(got, x, 0, 0)); v < min(a, b) || v > max(a, b) {
					t.Fatalf("row 0 x=%d: %d not between %d and %d", x, v, a, b)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := img8(src, w, h)
			tc.op(m)
			tc.check(t, m.pix)
		})
	}
}

func TestEqualizeRampIsRamp(t *testing.T) {
	// 256 rows so each value's count is large enough for PIL's integer
	// step (count-last)//256 to be exact.
	const w, h = 256, 256
	src := newImage(w, h, func(x, y, c int) uint8 { return uint8(x) }).Pix
	m := img8(src, w, h)
	equalize(m.pix)
	for x := range w {
		v := int(m.pix[x*3])
		if d := v - x; d < -1 || d > 1 {
			t.Fatalf("x=%d -> %d", x, v)
		}
		if x > 0 && m.pix[x*3] < m.pix[(x-1)*3] {
			t.Fatalf("not monotone at %d", x)
		}
	}
	if m.pix[0] != 0 || m.pix[(w-1)*3] != 255 {
		t.Fatalf("ends %d..%d", m.pix[0], m.pix[(w-1)*3])
	}
}

func TestEqualizeSpreadsNarrowHistogram(t *testing.T) {
	src := newImage(64, 64, func(x, y, c int) uint8 { return uint8(100 + (x+y)%20) }).Pix
	m := img8(src, 64, 64)
	equalize(m.pix)
	lo, hi := uint8(255), uint8(0)
	for _, v := range m.pix {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo > 10 || hi < 230 {
		t.Fatalf("equalized range [%d,%d]", lo, hi)
	}
}

func TestAutoContrastStretches(t *testing.T) {
	src := newImage(64, 8, func(x, y, c int) uint8 { return uint8(50 + x + 10*c) }).Pix // [50+10c, 113+10c]
	m := img8(src, 64, 8)
	autoContrast(m.pix)
	// PIL's float LUT can land at 254.99999 and truncate to 254, e.g. for
	// [50,113]; it is reproduced, not fixed.
	for c := range 3 {
		if m.pix[c] != 0 || m.pix[63*3+c] < 254 {
			t.Fatalf("channel %d range %d..%d", c, m.pix[c], m.pix[63*3+c])
		}
	}
}

// TestLevelMapping checks timm's magnitude-to-argument mappings through
// applyOp on images where the argument is observable.
func TestLevelMapping(t *testing.T) {
	ra := DefaultRandAugment()
	rng := rand.New(rand.NewPCG(1, 2))
	ramp := newImage(256, 1, func(x, y, c int) uint8 { return uint8(x) }).Pix
	for _, tc := range []struct {
		op   Op
		mag  float64
		want func(v int) int
	}{
		{PosterizeIncreasing, 9, func(v int) int { return v & 0x80 }}, // 4 - int(3.6) = 1 bit
		{PosterizeIncreasing, 0, func(v int) int { return v & 0xf0 }}, // 4 bits
		{PosterizeIncreasing, 10, func(v int) int { return 0 }},       // 0 bits
		{Posterize, 9, func(v int) int { return v & 0xe0 }},           // int(3.6) = 3 bits
		{SolarizeIncreasing, 10, func(v int) int { return 255 - v }},  // threshold 0
		{SolarizeIncreasing, 0, func(v int) int { return v }},         // threshold 256
		{SolarizeIncreasing, 5, func(v int) int { return map[bool]int{true: v, false: 255 - v}[v < 128] }},
		{SolarizeAdd, 10, func(v int) int { return map[bool]int{true: min(255, v+110), false: v}[v < 128] }},
		{SolarizeAdd, 9, func(v int) int { return map[bool]int{true: min(255, v+99), false: v}[v < 128] }},
		{Solarize, 10, func(v int) int { return v }},  // decreasing: threshold 256
		{Brightness, 5, func(v int) int { return v }}, // 0.5*1.8+0.1 = 1
		{Invert, 3, func(v int) int { return 255 - v }},
	} {
		m := img8(ramp, 256, 1)
		ra.applyOp(m, tc.op, tc.mag, rng)
		for x := range 256 {
			if got, want := int(m.pix[x*3]), tc.want(x); got != want {
				t.Fatalf("%v m=%v: %d -> %d, want %d", tc.op, tc.mag, x, got, want)
			}
		}
	}
}

func TestEnhanceIncreasingFactor(t *testing.T) {
	// At magnitude 10 the factor is 1 ± 0.9: brightness of 100 becomes 10
	// or 190, each about half the time.
	ra := DefaultRandAugment()
	rng := rand.New(rand.NewPCG(5, 6))
	counts := map[uint8]int{}
	for range 400 {
		m := img8([]uint8{100, 100, 100}, 1, 1)
		ra.applyOp(m, BrightnessIncreasing, 10, rng)
		counts[m.pix[0]]++
	}
	if len(counts) != 2 || counts[10] < 150 || counts[190] < 150 {
		t.Fatalf("brightness outcomes %v", counts)
	}
}

func TestParseRandAugment(t *testing.T) {
	got, err := ParseRandAugment("rand-m9-mstd0.5-inc1")
	if err != nil {
		t.Fatal(err)
	}
	if want := DefaultRandAugment(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v want %+v", got, want)
	}
	got, err = ParseRandAugment("rand-n3-m7-mstd101-p0.8")
	if err != nil || got.N != 3 || got.M != 7 || got.Prob != 0.8 || got.MStd <= 100 || !reflect.DeepEqual(got.Ops, StandardOps()) {
		t.Fatalf("got %+v, %v", got, err)
	}
	for _, bad := range []string{"augmix-m3", "rand-q3", "rand-mx", "rand-w0"} {
		if _, err := ParseRandAugment(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestRandAugmentProbZeroIsIdentity(t *testing.T) {
	ra := DefaultRandAugment()
	ra.Prob = 0
	src := noiseImage(20, 20, 7).Pix
	m := img8(src, 20, 20)
	ra.apply(m, rand.New(rand.NewPCG(1, 1)))
	if !bytes.Equal(m.pix, src) {
		t.Fatal("Prob 0 changed the image")
	}
	// With Prob 1 and 2 ops, a noise image practically always changes.
	ra.Prob = 1
	changed := 0
	rng := rand.New(rand.NewPCG(2, 2))
	for range 50 {
		m := img8(src, 20, 20)
		ra.apply(m, rng)
		if !bytes.Equal(m.pix, src) {
			changed++
		}
	}
	if changed < 45 {
		t.Fatalf("only %d/50 images changed", changed)
	}
}

func TestOpString(t *testing.T) {
	if ShearX.String() != "ShearX" || TranslateYRel.String() != "TranslateYRel" || Op(99).String() != "Op(99)" {
		t.Fatal("names")
	}
	if len(IncreasingOps()) != 15 || len(StandardOps()) != 15 {
		t.Fatal("op sets")
	}
}
