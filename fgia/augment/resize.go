package augment

import (
	"math"

	"github.com/fgia/fgia/fgia/imagefile"
)

// bicubic is PIL's cubic convolution kernel with a = -0.5 (Keys), the
// kernel PIL's Image.BICUBIC resize uses; a = -0.5 reproduces linear
// gradients exactly, which the tests rely on.
func bicubic(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return ((a+2)*x-(a+3))*x*x + 1
	}
	if x < 2 {
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

// bilinear is PIL's triangle filter (support 1), Image.BILINEAR's.
func bilinear(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// kernel holds the separable resampling weights of one axis: output sample
// i reads taps[i] source samples starting at start[i], weighted by
// w[i*ksize:]. useBilinear chooses the triangle filter over bicubic.
type kernel struct {
	start       []int
	taps        []int
	w           []float32
	ksize       int
	useBilinear bool
}

// set computes PIL's antialiased bicubic weights (precompute_coeffs in
// Resample.c) for resampling the source span [lo, lo+inSize) onto a virtual
// output of outTotal samples, keeping the outN samples that start at
// outOff. The support widens by the downscale factor, which is what makes
// downsampling antialias. With reverse, output i takes virtual sample
// outOff+outN-1-i: a horizontal flip for free.
func (k *kernel) set(lo, inSize, outTotal, outOff, outN int, reverse bool) {
	scale := float64(inSize) / float64(outTotal)
	fscale := max(scale, 1)
	filter, support := bicubic, 2*fscale
	if k.useBilinear {
		filter, support = bilinear, fscale
	}
	ksize := int(math.Ceil(support))*2 + 1
	k.ksize = ksize
	k.start = grow(k.start, outN)
	k.taps = grow(k.taps, outN)
	k.w = grow(k.w, outN*ksize)
	var tmp [64]float64 // stack buffer for the common (ksize <= 64) case
	inv := 1 / fscale
	for i := range outN {
		xx := outOff + i
		if reverse {
			xx = outOff + outN - 1 - i
		}
		center := (float64(xx) + 0.5) * scale
		// int() truncates toward zero as PIL's (int) cast does.
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize)
		n := xmax - xmin
		ws := tmp[:0]
		if n > len(tmp) {
			ws = make([]float64, 0, n)
		}
		sum := 0.0
		for x := range n {
			v := filter((float64(x+xmin) - center + 0.5) * inv)
			ws = append(ws, v)
			sum += v
		}
		row := k.w[i*ksize : (i+1)*ksize]
		for x := range row {
			row[x] = 0
		}
		for x, v := range ws {
			if sum != 0 {
				v /= sum
			}
			row[x] = float32(v)
		}
		k.start[i] = lo + xmin
		k.taps[i] = n
	}
}

// grow returns s resized to n elements, reusing its backing array when it
// is large enough so that steady-state calls do not allocate.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, n+n/4)
}

// resampler is the scratch of a separable resize: the two kernels, the
// float32 intermediate of the horizontal pass and one accumulator row.
type resampler struct {
	kx, ky kernel
	hbuf   []float32
	acc    []float32
}

// resample writes the outW x outH RGB image defined by r.kx and r.ky (set
// by the caller) into out. The horizontal pass runs first over only the
// source rows the vertical kernel touches, as PIL does; unlike PIL the
// intermediate stays float32 instead of being rounded to uint8, one
// rounding instead of two.
func (r *resampler) resample(out []uint8, src *imagefile.RGB, outW, outH int) {
	ky, kx := &r.ky, &r.kx
	ymin, ymax := math.MaxInt, 0
	for i := range outH {
		ymin = min(ymin, ky.start[i])
		ymax = max(ymax, ky.start[i]+ky.taps[i])
	}
	rowLen := outW * 3
	r.hbuf = grow(r.hbuf, (ymax-ymin)*rowLen)
	r.acc = grow(r.acc, rowLen)
	srcStride := src.Width * 3
	ks := kx.ksize

	for y := ymin; y < ymax; y++ {
		srow := src.Pix[y*srcStride : (y+1)*srcStride]
		orow := r.hbuf[(y-ymin)*rowLen : (y-ymin+1)*rowLen]
		for x := range outW {
			n := kx.taps[x]
			ws := kx.w[x*ks : x*ks+n]
			px := srow[kx.start[x]*3 : (kx.start[x]+n)*3]
			o := orow[x*3 : x*3+3 : x*3+3]
			if n == 4 { // the upsampling case, unrolled
				w := ws[:4:4]
				p := px[:12:12]
				o[0] = w[0]*float32(p[0]) + w[1]*float32(p[3]) + w[2]*float32(p[6]) + w[3]*float32(p[9])
				o[1] = w[0]*float32(p[1]) + w[1]*float32(p[4]) + w[2]*float32(p[7]) + w[3]*float32(p[10])
				o[2] = w[0]*float32(p[2]) + w[1]*float32(p[5]) + w[2]*float32(p[8]) + w[3]*float32(p[11])
				continue
			}
			var s0, s1, s2 float32
			for t, wt := range ws {
				p := px[t*3 : t*3+3 : t*3+3]
				s0 += wt * float32(p[0])
				s1 += wt * float32(p[1])
				s2 += wt * float32(p[2])
			}
			o[0], o[1], o[2] = s0, s1, s2
		}
	}

	acc := r.acc[:rowLen]
	ks = ky.ksize
	for y := range outH {
		s := ky.start[y] - ymin
		n := ky.taps[y]
		ws := ky.w[y*ks : y*ks+n]
		dst := out[y*rowLen : (y+1)*rowLen]
		if n == 4 { // upsampling: one fused pass instead of accumulating
			r0 := r.hbuf[s*rowLen : (s+1)*rowLen]
			r1 := r.hbuf[(s+1)*rowLen : (s+2)*rowLen][:len(r0)]
			r2 := r.hbuf[(s+2)*rowLen : (s+3)*rowLen][:len(r0)]
			r3 := r.hbuf[(s+3)*rowLen : (s+4)*rowLen][:len(r0)]
			dst = dst[:len(r0)]
			w0, w1, w2, w3 := ws[0], ws[1], ws[2], ws[3]
			for i, v := range r0 {
				dst[i] = clamp8(w0*v + w1*r1[i] + w2*r2[i] + w3*r3[i] + 0.5)
			}
			continue
		}
		first := r.hbuf[s*rowLen : (s+1)*rowLen]
		w0 := ws[0]
		for i, v := range first {
			acc[i] = w0 * v
		}
		for t := 1; t < n; t++ {
			wt := ws[t]
			row := r.hbuf[(s+t)*rowLen : (s+t+1)*rowLen]
			row = row[:len(acc)]
			for i, v := range row {
				acc[i] += wt * v
			}
		}
		dst = dst[:len(acc)]
		for i, v := range acc {
			dst[i] = clamp8(v + 0.5)
		}
	}
}

// clamp8 saturates v to [0, 255] and truncates, the conversion PIL applies
// to its results (callers add 0.5 where PIL rounds).
func clamp8(v float32) uint8 {
	// One float conversion, then an integer range check: cheaper than two
	// float compares on the hot resize path.
	i := int32(v)
	if uint32(i) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(i)
}
