package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/imagefile"
)

// Op is one RandAugment operation, named as in timm's auto_augment.py.
type Op int

// The ops of timm's RandAugment sets. The "Increasing" variants grow in
// severity with magnitude (the 'inc1' set); the plain ones are timm's
// original _RAND_TRANSFORMS where Posterize and Solarize weaken as
// magnitude grows and enhance factors run from 0.1 to 1.9.
const (
	AutoContrast Op = iota
	Equalize
	Invert
	Rotate
	Posterize
	PosterizeIncreasing
	Solarize
	SolarizeIncreasing
	SolarizeAdd
	Color
	ColorIncreasing
	Contrast
	ContrastIncreasing
	Brightness
	BrightnessIncreasing
	Sharpness
	SharpnessIncreasing
	ShearX
	ShearY
	TranslateXRel
	TranslateYRel
	numOps
)

var opNames = [numOps]string{
	"AutoContrast", "Equalize", "Invert", "Rotate", "Posterize",
	"PosterizeIncreasing", "Solarize", "SolarizeIncreasing", "SolarizeAdd",
	"Color", "ColorIncreasing", "Contrast", "ContrastIncreasing", "Brightness",
	"BrightnessIncreasing", "Sharpness", "SharpnessIncreasing", "ShearX",
	"ShearY", "TranslateXRel", "TranslateYRel",
}

// String returns timm's name of the op.
func (o Op) String() string {
	if o < 0 || o >= numOps {
		return fmt.Sprintf("Op(%d)", int(o))
	}
	return opNames[o]
}

// IncreasingOps returns timm's _RAND_INCREASING_TRANSFORMS (the 'inc1'
// set), in timm's order. A fresh slice each call, so callers may edit it.
func IncreasingOps() []Op {
	return []Op{AutoContrast, Equalize, Invert, Rotate, PosterizeIncreasing,
		SolarizeIncreasing, SolarizeAdd, ColorIncreasing, ContrastIncreasing,
		BrightnessIncreasing, SharpnessIncreasing, ShearX, ShearY,
		TranslateXRel, TranslateYRel}
}

// StandardOps returns timm's _RAND_TRANSFORMS (RandAugment without 'inc1').
func StandardOps() []Op {
	return []Op{AutoContrast, Equalize, Invert, Rotate, Posterize, Solarize,
		SolarizeAdd, Color, Contrast, Brightness, Sharpness, ShearX, ShearY,
		TranslateXRel, TranslateYRel}
}

// levelDenom is timm's _LEVEL_DENOM: magnitudes are on a 0..10 scale.
const levelDenom = 10.0

// RandAugment configures timm's RandAugment: N ops drawn uniformly with
// replacement from Ops, each applied with probability Prob at a magnitude
// drawn around M.
//
// Geometric ops resample bilinearly; timm's default ('random' train
// interpolation) picks bilinear or bicubic per op at random.
type RandAugment struct {
	N    int     `json:"n"`    // ops per image; 0 turns RandAugment off
	M    float64 `json:"m"`    // magnitude, 0..10 scale ('m9')
	MStd float64 `json:"mstd"` // std of Gaussian magnitude noise ('mstd0.5'); +Inf: uniform in [0, M]
	MMax float64 `json:"mmax"` // magnitude clip ('mmax'); 0 means timm's default 10
	Prob float64 `json:"prob"` // probability each drawn op is applied (timm: 0.5)
	// TranslatePct is the translation at magnitude 10, as a fraction of the
	// image side (timm's translate_pct, 0.45).
	TranslatePct float64 `json:"translate_pct"`
	// Fill colors pixels that geometric ops bring in from outside the image.
	// timm falls back to (128,128,128); note its create_transform passes
	// round(255*mean), (124,116,104) for ImageNet statistics.
	Fill [3]uint8 `json:"fill"`
	Ops  []Op     `json:"ops"` // candidate ops; empty means IncreasingOps()
}

// DefaultRandAugment is timm's "rand-m9-mstd0.5-inc1", the champion's
// setting, with gray fill.
func DefaultRandAugment() RandAugment {
	return RandAugment{N: 2, M: 9, MStd: 0.5, Prob: 0.5, TranslatePct: 0.45,
		Fill: [3]uint8{128, 128, 128}, Ops: IncreasingOps()}
}

// ParseRandAugment reads a timm RandAugment config string such as
// "rand-m9-mstd0.5-inc1". Sections: m (magnitude), n (ops per image), mstd
// (magnitude noise; > 100 means uniform), mmax (magnitude clip), inc (1 for
// the increasing op set), p (per-op probability). Unset values take timm's
// defaults (m10, n2, p0.5, standard ops). Unlike timm, "inc0" selects the
// standard set (timm's bool("0") is true); weighted choice ('w') is not
// supported.
func ParseRandAugment(s string) (RandAugment, error) {
	parts := strings.Split(s, "-")
	if parts[0] != "rand" {
		return RandAugment{}, fmt.Errorf("augment: RandAugment config %q must start with \"rand\"", s)
	}
	ra := RandAugment{N: 2, M: levelDenom, Prob: 0.5, TranslatePct: 0.45,
		Fill: [3]uint8{128, 128, 128}, Ops: StandardOps()}
	for _, p := range parts[1:] {
		i := strings.IndexFunc(p, func(r rune) bool { return r >= '0' && r <= '9' })
		if i <= 0 {
			return RandAugment{}, fmt.Errorf("augment: bad RandAugment section %q in %q", p, s)
		}
		key := p[:i]
		v, err := strconv.ParseFloat(p[i:], 64)
		if err != nil {
			return RandAugment{}, fmt.Errorf("augment: bad RandAugment section %q in %q: %v", p, s, err)
		}
		switch key {
		case "m":
			ra.M = v
		case "n":
			ra.N = int(v)
		case "mstd":
			if v > 100 {
				v = math.Inf(1)
			}
			ra.MStd = v
		case "mmax":
			ra.MMax = v
		case "inc":
			if v != 0 {
				ra.Ops = IncreasingOps()
			} else {
				ra.Ops = StandardOps()
			}
		case "p":
			ra.Prob = v
		default:
			return RandAugment{}, fmt.Errorf("augment: unsupported RandAugment section %q in %q", p, s)
		}
	}
	return ra, nil
}

func (ra *RandAugment) validate() error {
	if ra.N < 0 {
		return fmt.Errorf("augment: RandAugment.N = %d < 0", ra.N)
	}
	if ra.N == 0 {
		return nil
	}
	if ra.Prob < 0 || ra.Prob > 1 || ra.MStd < 0 || ra.MMax < 0 || ra.M < 0 {
		return fmt.Errorf("augment: bad RandAugment %+v", *ra)
	}
	for _, o := range ra.Ops {
		if o < 0 || o >= numOps {
			return fmt.Errorf("augment: unknown RandAugment op %d", int(o))
		}
	}
	return nil
}

// image8 is an RGB image being augmented in place, with a same-size
// scratch buffer that ops needing a source copy write into before swapping.
type image8 struct {
	pix, tmp []uint8
	w, h     int
}

func (m *image8) swap() { m.pix, m.tmp = m.tmp, m.pix }

// apply runs RandAugment on m, drawing everything from rng.
func (ra *RandAugment) apply(m *image8, rng *rand.Rand) {
	ops := ra.Ops
	if len(ops) == 0 {
		ops = defaultOps[:]
	}
	for range ra.N {
		op := ops[rng.IntN(len(ops))]
		if ra.Prob < 1 && rng.Float64() > ra.Prob {
			continue
		}
		mag := ra.M
		if ra.MStd > 0 {
			if math.IsInf(ra.MStd, 1) {
				mag = uniform(rng, 0, mag)
			} else {
				mag += ra.MStd * rng.NormFloat64()
			}
		}
		upper := ra.MMax
		if upper == 0 {
			upper = levelDenom
		}
		mag = max(0, min(mag, upper))
		ra.applyOp(m, op, mag, rng)
	}
}

var defaultOps = [...]Op{AutoContrast, Equalize, Invert, Rotate, PosterizeIncreasing,
	SolarizeIncreasing, SolarizeAdd, ColorIncreasing, ContrastIncreasing,
	BrightnessIncreasing, SharpnessIncreasing, ShearX, ShearY,
	TranslateXRel, TranslateYRel}

// ApplyOp applies one op at the given magnitude (0..10 scale) to img in
// place, drawing the random sign flips from rng. It allocates a scratch
// image per call: it is meant for previews and tests, not the loader.
func (ra RandAugment) ApplyOp(img *imagefile.RGB, op Op, magnitude float64, rng *rand.Rand) {
	if len(img.Pix) == 0 {
		return
	}
	m := &image8{pix: img.Pix, tmp: make([]uint8, len(img.Pix)), w: img.Width, h: img.Height}
	ra.applyOp(m, op, magnitude, rng)
	if &m.pix[0] != &img.Pix[0] {
		copy(img.Pix, m.pix)
	}
}

// negate flips the sign of v with probability 1/2 (timm's _randomly_negate).
func negate(v float64, rng *rand.Rand) float64 {
	if rng.Float64() > 0.5 {
		return -v
	}
	return v
}

// applyOp maps magnitude to the op's argument with timm's level_to_arg
// functions and applies the op.
func (ra *RandAugment) applyOp(m *image8, op Op, mag float64, rng *rand.Rand) {
	level := mag / levelDenom
	enhanceInc := func() float32 { return float32(max(0.1, 1+negate(level*0.9, rng))) }
	enhance := func() float32 { return float32(level*1.8 + 0.1) }
	switch op {
	case AutoContrast:
		autoContrast(m.pix)
	case Equalize:
		equalize(m.pix)
	case Invert:
		invert(m.pix)
	case Rotate:
		rotate(m, negate(level*30, rng), ra.Fill)
	case Posterize:
		posterize(m.pix, int(level*4))
	case PosterizeIncreasing:
		posterize(m.pix, 4-int(level*4))
	case Solarize:
		solarize(m.pix, int(level*256))
	case SolarizeIncreasing:
		solarize(m.pix, 256-int(level*256))
	case SolarizeAdd:
		solarizeAdd(m.pix, int(level*110), 128)
	case Color:
		color(m.pix, enhance())
	case ColorIncreasing:
		color(m.pix, enhanceInc())
	case Contrast:
		contrast(m.pix, enhance())
	case ContrastIncreasing:
		contrast(m.pix, enhanceInc())
	case Brightness:
		brightness(m.pix, enhance())
	case BrightnessIncreasing:
		brightness(m.pix, enhanceInc())
	case Sharpness:
		sharpness(m, enhance())
	case SharpnessIncreasing:
		sharpness(m, enhanceInc())
	case ShearX:
		affine(m, [6]float64{1, negate(level*0.3, rng), 0, 0, 1, 0}, ra.Fill)
	case ShearY:
		affine(m, [6]float64{1, 0, 0, negate(level*0.3, rng), 1, 0}, ra.Fill)
	case TranslateXRel:
		px := negate(level*ra.TranslatePct, rng) * float64(m.w)
		affine(m, [6]float64{1, 0, px, 0, 1, 0}, ra.Fill)
	case TranslateYRel:
		px := negate(level*ra.TranslatePct, rng) * float64(m.h)
		affine(m, [6]float64{1, 0, 0, 0, 1, px}, ra.Fill)
	}
}

// applyLUT maps every channel value through its channel's table; most
// color ops are per-channel point operations, as PIL's Image.point.
func applyLUT(pix []uint8, lut *[3][256]uint8) {
	n := len(pix) / 3 * 3
	l0, l1, l2 := &lut[0], &lut[1], &lut[2]
	for i := 0; i < n; i += 3 {
		p := pix[i : i+3 : i+3]
		p[0], p[1], p[2] = l0[p[0]], l1[p[1]], l2[p[2]]
	}
}

// applyLUT1 maps all channels through one table.
func applyLUT1(pix []uint8, lut *[256]uint8) {
	for i, v := range pix {
		pix[i] = lut[v]
	}
}

// histograms counts each channel's values.
func histograms(pix []uint8) (h [3][256]int) {
	n := len(pix) / 3 * 3
	for i := 0; i < n; i += 3 {
		h[0][pix[i]]++
		h[1][pix[i+1]]++
		h[2][pix[i+2]]++
	}
	return h
}

// autoContrast is ImageOps.autocontrast(img) with cutoff 0: each channel's
// [lo, hi] is stretched to [0, 255] (int() truncation as PIL).
func autoContrast(pix []uint8) {
	h := histograms(pix)
	var lut [3][256]uint8
	for c := range 3 {
		lo, hi := 0, 255
		for lo < 256 && h[c][lo] == 0 {
			lo++
		}
		for hi >= 0 && h[c][hi] == 0 {
			hi--
		}
		if hi <= lo {
			for i := range 256 {
				lut[c][i] = uint8(i)
			}
			continue
		}
		scale := 255.0 / float64(hi-lo)
		offset := -float64(lo) * scale
		for i := range 256 {
			v := int(float64(i)*scale + offset)
			lut[c][i] = uint8(max(0, min(255, v)))
		}
	}
	applyLUT(pix, &lut)
}

// equalize is ImageOps.equalize: per channel, the LUT is the cumulative
// histogram scaled by step = (count - count of the top bin) // 256.
func equalize(pix []uint8) {
	h := histograms(pix)
	var lut [3][256]uint8
	for c := range 3 {
		total, last, nonzero := 0, 0, 0
		for _, v := range h[c] {
			if v != 0 {
				total += v
				last = v
				nonzero++
			}
		}
		step := 0
		if nonzero > 1 {
			step = (total - last) / 256
		}
		if step == 0 {
			for i := range 256 {
				lut[c][i] = uint8(i)
			}
			continue
		}
		n := step / 2
		for i := range 256 {
			lut[c][i] = uint8(min(n/step, 255)) // PIL clips the LUT to 8 bits
			n += h[c][i]
		}
	}
	applyLUT(pix, &lut)
}

func invert(pix []uint8) {
	for i, v := range pix {
		pix[i] = 255 - v
	}
}

// posterize keeps the top bits of each value; bits >= 8 is the identity
// and bits <= 0 gives black, as ImageOps.posterize.
func posterize(pix []uint8, bits int) {
	if bits >= 8 {
		return
	}
	mask := uint8(0)
	if bits > 0 {
		mask = ^uint8(1<<(8-bits) - 1)
	}
	for i, v := range pix {
		pix[i] = v & mask
	}
}

// solarize inverts values >= thresh (ImageOps.solarize); thresh 256 is the
// identity.
func solarize(pix []uint8, thresh int) {
	var lut [256]uint8
	for i := range 256 {
		if i < thresh {
			lut[i] = uint8(i)
		} else {
			lut[i] = uint8(255 - i)
		}
	}
	applyLUT1(pix, &lut)
}

// solarizeAdd adds add to values below thresh, saturating (timm's
// solarize_add).
func solarizeAdd(pix []uint8, add, thresh int) {
	var lut [256]uint8
	for i := range 256 {
		if i < thresh {
			lut[i] = uint8(min(255, i+add))
		} else {
			lut[i] = uint8(i)
		}
	}
	applyLUT1(pix, &lut)
}

// blend is PIL's Image.blend(a, b, alpha) on one value: a + alpha*(b-a),
// clipped and truncated. ImageEnhance ops blend a degenerate image a with
// the original b.
func blend(a, b, alpha float32) uint8 { return clamp8(a + alpha*(b-a)) }

// luma is PIL's RGB→L conversion (ITU-R 601 in 16-bit fixed point).
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// brightness is ImageEnhance.Brightness: blend with black.
func brightness(pix []uint8, f float32) {
	var lut [256]uint8
	for i := range 256 {
		lut[i] = blend(0, float32(i), f)
	}
	applyLUT1(pix, &lut)
}

// contrast is ImageEnhance.Contrast: blend with the uniform image at the
// rounded mean luma.
func contrast(pix []uint8, f float32) {
	n := len(pix) / 3
	if n == 0 {
		return
	}
	sum := 0
	for i := 0; i < n*3; i += 3 {
		sum += int(luma(pix[i], pix[i+1], pix[i+2]))
	}
	mean := float32(int(float64(sum)/float64(n) + 0.5))
	var lut [256]uint8
	for i := range 256 {
		lut[i] = blend(mean, float32(i), f)
	}
	applyLUT1(pix, &lut)
}

// color is ImageEnhance.Color: blend each pixel with its own luma.
func color(pix []uint8, f float32) {
	n := len(pix) / 3 * 3
	for i := 0; i < n; i += 3 {
		p := pix[i : i+3 : i+3]
		l := float32(luma(p[0], p[1], p[2]))
		p[0] = blend(l, float32(p[0]), f)
		p[1] = blend(l, float32(p[1]), f)
		p[2] = blend(l, float32(p[2]), f)
	}
}

// sharpness is ImageEnhance.Sharpness: blend with ImageFilter.SMOOTH (3x3
// kernel 1,1,1/1,5,1/1,1,1 over 13). PIL's filter copies the border pixels,
// so the border is unchanged.
func sharpness(m *image8, f float32) {
	w, h := m.w, m.h
	src, dst := m.pix, m.tmp
	copy(dst, src)
	if w < 3 || h < 3 {
		return
	}
	stride := w * 3
	for y := 1; y < h-1; y++ {
		up := src[(y-1)*stride : y*stride]
		mid := src[y*stride : (y+1)*stride]
		dn := src[(y+1)*stride : (y+2)*stride]
		out := dst[y*stride : (y+1)*stride]
		for i := 3; i < stride-3; i++ {
			s := int(up[i-3]) + int(up[i]) + int(up[i+3]) +
				int(mid[i-3]) + 5*int(mid[i]) + int(mid[i+3]) +
				int(dn[i-3]) + int(dn[i]) + int(dn[i+3])
			smooth := float32((s*2 + 13) / 26) // round(s/13)
			out[i] = blend(smooth, float32(mid[i]), f)
		}
	}
	m.swap()
}

// rotate is PIL's Image.rotate(deg) about the image center, counter-
// clockwise for positive deg, expand off: the inverse matrix maps output to
// input coordinates.
func rotate(m *image8, deg float64, fill [3]uint8) {
	if math.Mod(deg, 360) == 0 {
		return
	}
	a := -deg * math.Pi / 180
	cs, sn := math.Cos(a), math.Sin(a)
	cx, cy := float64(m.w)/2, float64(m.h)/2
	mat := [6]float64{cs, sn, 0, -sn, cs, 0}
	mat[2] = mat[0]*-cx + mat[1]*-cy + cx
	mat[5] = mat[3]*-cx + mat[4]*-cy + cy
	affine(m, mat, fill)
}

// affine is PIL's Image.transform(AFFINE, mat, BILINEAR, fillcolor): the
// output pixel center (x+.5, y+.5) samples the input at
// (a·X + b·Y + c, d·X + e·Y + f); points outside [0,w)x[0,h) take fill,
// neighbours of points inside are clamped to the edge. Results are rounded
// (PIL truncates in some versions).
func affine(m *image8, mat [6]float64, fill [3]uint8) {
	w, h := m.w, m.h
	src, dst := m.pix, m.tmp
	fw, fh := float64(w), float64(h)
	stride := w * 3
	for y := range h {
		Y := float64(y) + 0.5
		bx := mat[1]*Y + mat[2]
		by := mat[4]*Y + mat[5]
		out := dst[y*stride : (y+1)*stride]
		for x := range w {
			X := float64(x) + 0.5
			xi := mat[0]*X + bx
			yi := mat[3]*X + by
			o := out[x*3 : x*3+3 : x*3+3]
			if xi < 0 || xi >= fw || yi < 0 || yi >= fh {
				o[0], o[1], o[2] = fill[0], fill[1], fill[2]
				continue
			}
			xi -= 0.5
			yi -= 0.5
			fx, fy := math.Floor(xi), math.Floor(yi)
			dx, dy := float32(xi-fx), float32(yi-fy)
			x0, y0 := int(fx), int(fy)
			x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
			x0, y0 = max(x0, 0), max(y0, 0)
			r0 := src[y0*stride:]
			r1 := src[y1*stride:]
			p00 := r0[x0*3 : x0*3+3 : x0*3+3]
			p01 := r0[x1*3 : x1*3+3 : x1*3+3]
			p10 := r1[x0*3 : x0*3+3 : x0*3+3]
			p11 := r1[x1*3 : x1*3+3 : x1*3+3]
			for c := range 3 {
				a := float32(p00[c]) + (float32(p01[c])-float32(p00[c]))*dx
				b := float32(p10[c]) + (float32(p11[c])-float32(p10[c]))*dx
				o[c] = clamp8(a + (b-a)*dy + 0.5)
			}
		}
	}
	m.swap()
}
