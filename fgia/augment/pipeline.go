package augment

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/fgia/fgia/fgia/imagefile"
)

// Pipeline is an immutable train or eval transform built from a Config;
// share one across goroutines and give each goroutine its own Worker.
type Pipeline struct {
	cfg   Config
	train bool
	ch    int
	// lut maps a uint8 value of channel c straight to its normalized
	// float32. For gray output lut[c] already carries the luma weight, and
	// lut[0] the -mean/std offset, so one pixel is three lookups and adds.
	lut [3][256]float32
}

// Train builds the training pipeline: crop, flip, RandAugment on uint8,
// normalize, erase.
func Train(cfg Config) (*Pipeline, error) { return newPipeline(cfg, true) }

// Eval builds the evaluation pipeline: resize, center crop, normalize.
func Eval(cfg Config) (*Pipeline, error) { return newPipeline(cfg, false) }

func newPipeline(cfg Config, train bool) (*Pipeline, error) {
	if err := cfg.validate(train); err != nil {
		return nil, err
	}
	// Copy the slices so later edits of the caller's Config cannot race
	// with workers.
	cfg.Mean = slices.Clone(cfg.Mean)
	cfg.Std = slices.Clone(cfg.Std)
	cfg.RandAug.Ops = slices.Clone(cfg.RandAug.Ops)
	p := &Pipeline{cfg: cfg, train: train, ch: cfg.Channels()}
	if cfg.Gray {
		wts := [3]float64{0.299, 0.587, 0.114} // ITU-R 601 luma
		mean, std := float64(cfg.Mean[0]), float64(cfg.Std[0])
		for c := range 3 {
			for v := range 256 {
				x := wts[c] * float64(v) / 255 / std
				if c == 0 {
					x -= mean / std
				}
				p.lut[c][v] = float32(x)
			}
		}
	} else {
		for c := range 3 {
			mean, std := float64(cfg.Mean[c]), float64(cfg.Std[c])
			for v := range 256 {
				p.lut[c][v] = float32((float64(v)/255 - mean) / std)
			}
		}
	}
	return p, nil
}

// Config returns a copy of the pipeline's configuration.
func (p *Pipeline) Config() Config {
	c := p.cfg
	c.Mean, c.Std = slices.Clone(c.Mean), slices.Clone(c.Std)
	c.RandAug.Ops = slices.Clone(c.RandAug.Ops)
	return c
}

// Shape is the output shape (height, width, channels).
func (p *Pipeline) Shape() (h, w, c int) { return p.cfg.Size, p.cfg.Size, p.ch }

// Len is the number of float32 values one output image takes.
func (p *Pipeline) Len() int { return p.cfg.Size * p.cfg.Size * p.ch }

// Worker holds the scratch buffers of one goroutine running a Pipeline.
// After the first few images it runs without allocating. A Worker must not
// be used by two goroutines at once.
type Worker struct {
	p   *Pipeline
	rs  resampler
	img image8
}

// NewWorker returns a Worker with empty scratch for p.
func (p *Pipeline) NewWorker() *Worker { return &Worker{p: p} }

// Apply transforms src into dst (len Pipeline.Len(), HWC float32), drawing
// all randomness from rng (unused, and may be nil, for Eval).
func (w *Worker) Apply(dst []float32, src *imagefile.RGB, rng *rand.Rand) error {
	if len(dst) != w.p.Len() {
		return fmt.Errorf("augment: dst has %d values, want %d", len(dst), w.p.Len())
	}
	if err := w.geometry(src, rng); err != nil {
		return err
	}
	w.p.normalize(dst, w.img.pix)
	if w.p.train && w.p.cfg.Erase.Prob > 0 {
		s := w.p.cfg.Size
		w.p.cfg.Erase.erase(dst, s, s, w.p.ch, rng)
	}
	return nil
}

// ApplyRGB runs the uint8 stages only (crop, flip, RandAugment; no
// normalization or erasing) and writes the Size x Size result into dst,
// reusing dst.Pix when large enough: for previews of what the model sees.
func (w *Worker) ApplyRGB(dst, src *imagefile.RGB, rng *rand.Rand) error {
	if err := w.geometry(src, rng); err != nil {
		return err
	}
	s := w.p.cfg.Size
	dst.Width, dst.Height = s, s
	dst.Pix = grow(dst.Pix, s*s*3)
	copy(dst.Pix, w.img.pix)
	return nil
}

// geometry leaves the Size x Size uint8 image after crop, flip and
// RandAugment in w.img.pix.
func (w *Worker) geometry(src *imagefile.RGB, rng *rand.Rand) error {
	if src == nil || src.Width <= 0 || src.Height <= 0 || len(src.Pix) != src.Width*src.Height*3 {
		return errors.New("augment: empty or malformed source image")
	}
	p := w.p
	cfg := &p.cfg
	if p.train && rng == nil {
		return errors.New("augment: train pipeline needs a *rand.Rand")
	}
	s := cfg.Size
	w.img.w, w.img.h = s, s
	w.img.pix = grow(w.img.pix, s*s*3)
	w.img.tmp = grow(w.img.tmp, s*s*3)

	w.rs.kx.useBilinear = cfg.Interpolation == InterpBilinear
	w.rs.ky.useBilinear = w.rs.kx.useBilinear
	if p.train && cfg.RandomCrop {
		b := rrcBox(src.Width, src.Height, cfg.Scale, cfg.Ratio, rng)
		flip := cfg.HFlip > 0 && rng.Float64() < cfg.HFlip
		w.rs.kx.set(b.x, b.w, s, 0, s, flip)
		w.rs.ky.set(b.y, b.h, s, 0, s, false)
	} else {
		rw, rh, cx, cy := evalGeometry(src.Width, src.Height, s, cfg.CropPct)
		flip := p.train && cfg.HFlip > 0 && rng.Float64() < cfg.HFlip
		w.rs.kx.set(0, src.Width, rw, cx, s, flip)
		w.rs.ky.set(0, src.Height, rh, cy, s, false)
	}
	w.rs.resample(w.img.pix, src, s, s)

	if p.train && cfg.RandAug.N > 0 {
		cfg.RandAug.apply(&w.img, rng)
	}
	return nil
}

// normalize converts the uint8 RGB image to normalized float32 through the
// per-channel lookup tables.
func (p *Pipeline) normalize(dst []float32, pix []uint8) {
	l0, l1, l2 := &p.lut[0], &p.lut[1], &p.lut[2]
	n := len(pix) / 3
	if p.ch == 1 {
		dst = dst[:n]
		for i := range dst {
			q := pix[i*3 : i*3+3 : i*3+3]
			dst[i] = l0[q[0]] + l1[q[1]] + l2[q[2]]
		}
		return
	}
	dst = dst[:n*3]
	for i := 0; i < n*3; i += 3 {
		q := pix[i : i+3 : i+3]
		d := dst[i : i+3 : i+3]
		d[0], d[1], d[2] = l0[q[0]], l1[q[1]], l2[q[2]]
	}
}
