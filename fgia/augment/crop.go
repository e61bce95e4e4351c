package augment

import (
	"math"
	"math/rand/v2"
)

// box is a crop rectangle in source pixels.
type box struct{ x, y, w, h int }

// uniform draws from [a, b), as Python's random.uniform.
func uniform(rng *rand.Rand, a, b float64) float64 { return a + (b-a)*rng.Float64() }

// pyRound is Python 3's round(): half to even. timm and torchvision round
// crop sizes with it, so matching it keeps box sizes identical.
func pyRound(v float64) int { return int(math.RoundToEven(v)) }

// rrcBox draws a RandomResizedCrop box the way timm's
// RandomResizedCropAndInterpolation.get_params does: up to 10 tries of an
// area fraction uniform in scale and an aspect ratio log-uniform in ratio,
// then torchvision's fallback, a center crop of the whole image clamped to
// the ratio range.
func rrcBox(w, h int, scale, ratio [2]float64, rng *rand.Rand) box {
	area := float64(w) * float64(h)
	lr0, lr1 := math.Log(ratio[0]), math.Log(ratio[1])
	for range 10 {
		target := uniform(rng, scale[0], scale[1]) * area
		ar := math.Exp(uniform(rng, lr0, lr1))
		cw := pyRound(math.Sqrt(target * ar))
		ch := pyRound(math.Sqrt(target / ar))
		if cw > 0 && ch > 0 && cw <= w && ch <= h {
			y := rng.IntN(h - ch + 1)
			x := rng.IntN(w - cw + 1)
			return box{x, y, cw, ch}
		}
	}
	cw, ch := w, h
	in := float64(w) / float64(h)
	if in < ratio[0] {
		ch = min(max(pyRound(float64(w)/ratio[0]), 1), h)
	} else if in > ratio[1] {
		cw = min(max(pyRound(float64(h)*ratio[1]), 1), w)
	}
	return box{(w - cw) / 2, (h - ch) / 2, cw, ch}
}

// evalGeometry is timm's eval transform geometry: Resize(floor(size /
// cropPct)) on the shorter side (torchvision: the longer side becomes
// int(new_short*long/short)), then CenterCrop(size) with offsets rounded
// half to even. It returns the virtual resized size and the crop offset in
// it; the resize is then computed for the crop window only.
func evalGeometry(w, h, size int, cropPct float64) (rw, rh, cx, cy int) {
	s := int(math.Floor(float64(size) / cropPct))
	if w <= h {
		rw, rh = s, int(float64(s)*float64(h)/float64(w))
	} else {
		rw, rh = int(float64(s)*float64(w)/float64(h)), s
	}
	rw, rh = max(rw, size), max(rh, size)
	cx = pyRound(float64(rw-size) / 2)
	cy = pyRound(float64(rh-size) / 2)
	return rw, rh, cx, cy
}
