package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// EraseMode says what fills an erased box (timm's RandomErasing mode).
type EraseMode int

const (
	// ErasePixel fills every value with N(0,1) noise in normalized space
	// (timm 'pixel', the default).
	ErasePixel EraseMode = iota
	// EraseRand fills each channel of the box with one N(0,1) value
	// (timm 'rand').
	EraseRand
	// EraseConst fills with 0, the dataset mean after normalization (timm
	// 'const').
	EraseConst
)

// Erasing configures timm's RandomErasing, applied to the normalized
// output: with probability Prob one box of area fraction uniform in
// [MinArea, MaxArea] and log-uniform aspect ratio in [MinAspect, MaxAspect]
// is replaced, trying up to 10 draws for a box that fits.
type Erasing struct {
	Prob      float64   `json:"prob"` // 0 turns erasing off
	MinArea   float64   `json:"min_area"`
	MaxArea   float64   `json:"max_area"`
	MinAspect float64   `json:"min_aspect"`
	MaxAspect float64   `json:"max_aspect"` // 0 means 1/MinAspect, as timm
	Mode      EraseMode `json:"mode"`
}

// DefaultErasing is timm's RandomErasing(0.25, mode='pixel'): area in
// [0.02, 1/3], aspect in [0.3, 1/0.3], one box.
func DefaultErasing() Erasing {
	return Erasing{Prob: 0.25, MinArea: 0.02, MaxArea: 1.0 / 3, MinAspect: 0.3, Mode: ErasePixel}
}

func (e *Erasing) validate() error {
	if e.Prob < 0 || e.Prob > 1 {
		return fmt.Errorf("augment: Erasing.Prob = %v not in [0,1]", e.Prob)
	}
	if e.Prob == 0 {
		return nil
	}
	maxAspect := e.maxAspect()
	if !(e.MinArea > 0 && e.MinArea <= e.MaxArea && e.MaxArea <= 1) ||
		!(e.MinAspect > 0 && e.MinAspect <= maxAspect) || e.Mode < ErasePixel || e.Mode > EraseConst {
		return fmt.Errorf("augment: bad Erasing %+v", *e)
	}
	return nil
}

func (e *Erasing) maxAspect() float64 {
	if e.MaxAspect == 0 && e.MinAspect > 0 {
		return 1 / e.MinAspect
	}
	return e.MaxAspect
}

// eraseBox draws the box timm's RandomErasing._erase would erase in an
// h x w image, or ok = false when the image is left alone.
func (e *Erasing) eraseBox(h, w int, rng *rand.Rand) (b box, ok bool) {
	if rng.Float64() > e.Prob {
		return box{}, false
	}
	area := float64(h) * float64(w)
	la0, la1 := math.Log(e.MinAspect), math.Log(e.maxAspect())
	for range 10 {
		target := uniform(rng, e.MinArea, e.MaxArea) * area
		ar := math.Exp(uniform(rng, la0, la1))
		eh := pyRound(math.Sqrt(target * ar))
		ew := pyRound(math.Sqrt(target / ar))
		if ew < w && eh < h {
			top := rng.IntN(h - eh + 1)
			left := rng.IntN(w - ew + 1)
			return box{left, top, ew, eh}, true
		}
	}
	return box{}, false
}

// erase applies e to the h x w x c normalized image img.
func (e *Erasing) erase(img []float32, h, w, c int, rng *rand.Rand) {
	b, ok := e.eraseBox(h, w, rng)
	if !ok {
		return
	}
	var chanVal [3]float32
	if e.Mode == EraseRand {
		for i := range c {
			chanVal[i] = float32(rng.NormFloat64())
		}
	}
	for y := b.y; y < b.y+b.h; y++ {
		row := img[(y*w+b.x)*c : (y*w+b.x+b.w)*c]
		switch e.Mode {
		case ErasePixel:
			for i := range row {
				row[i] = float32(rng.NormFloat64())
			}
		case EraseRand:
			for i := range row {
				row[i] = chanVal[i%c]
			}
		case EraseConst:
			clear(row)
		}
	}
}
