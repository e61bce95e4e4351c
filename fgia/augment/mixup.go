package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Mixup configures timm's Mixup in 'batch' mode: one λ per batch, image i
// mixed with image B-1-i (the batch reversed), targets mixed the same way
// from label-smoothed one-hot vectors. It runs on the normalized batch
// after the per-image pipeline, as timm does in its collate/loader.
type Mixup struct {
	MixupAlpha  float64 `json:"mixup_alpha"`  // Beta(α,α) for mixup; 0 disables mixup
	CutmixAlpha float64 `json:"cutmix_alpha"` // Beta(α,α) for cutmix; 0 disables cutmix
	Prob        float64 `json:"prob"`         // probability to mix a batch at all
	SwitchProb  float64 `json:"switch_prob"`  // probability to use cutmix when both are enabled
	// LabelSmoothing ε: the true class gets 1-ε+ε/K, the others ε/K.
	LabelSmoothing float64 `json:"label_smoothing"`
	// CorrectLambda sets λ to the unchanged-area fraction after the cutmix
	// box is clipped to the image (timm correct_lam, default true).
	CorrectLambda bool `json:"correct_lambda"`
}

// DefaultMixup is the champion's timm Mixup: mixup α 0.8, cutmix α 1.0,
// prob 1, switch prob 0.5, label smoothing 0.1, corrected λ.
func DefaultMixup() Mixup {
	return Mixup{MixupAlpha: 0.8, CutmixAlpha: 1.0, Prob: 1, SwitchProb: 0.5,
		LabelSmoothing: 0.1, CorrectLambda: true}
}

// MixResult records what Mixup.Apply did to a batch.
type MixResult struct {
	Lambda float64 // weight of each image's own label; 1 means unmixed
	CutMix bool    // a box was pasted instead of blending
	// Box is the pasted region [Y0,Y1) x [X0,X1) when CutMix.
	Y0, Y1, X0, X1 int
}

// Apply mixes the batch images (B x h x w x c float32, HWC per image) in
// place and writes soft targets (B x numClasses) into targets, which is
// grown if too short and returned. labels has B entries. With an odd B the
// middle image pairs with itself and keeps its label (timm requires even
// batches).
func (m Mixup) Apply(targets, images []float32, h, w, c int, labels []int, numClasses int, rng *rand.Rand) ([]float32, MixResult, error) {
	b := len(labels)
	if h <= 0 || w <= 0 || c <= 0 || len(images) != b*h*w*c {
		return targets, MixResult{}, fmt.Errorf("augment: mixup: %d image values for %d images of %dx%dx%d", len(images), b, h, w, c)
	}
	if numClasses <= 0 {
		return targets, MixResult{}, fmt.Errorf("augment: mixup: numClasses = %d", numClasses)
	}
	for _, l := range labels {
		if l < 0 || l >= numClasses {
			return targets, MixResult{}, fmt.Errorf("augment: mixup: label %d outside [0,%d)", l, numClasses)
		}
	}
	res := MixResult{Lambda: 1}
	if (m.MixupAlpha > 0 || m.CutmixAlpha > 0) && rng.Float64() < m.Prob {
		switch {
		case m.MixupAlpha > 0 && m.CutmixAlpha > 0:
			res.CutMix = rng.Float64() < m.SwitchProb
			if res.CutMix {
				res.Lambda = betaSample(m.CutmixAlpha, rng)
			} else {
				res.Lambda = betaSample(m.MixupAlpha, rng)
			}
		case m.MixupAlpha > 0:
			res.Lambda = betaSample(m.MixupAlpha, rng)
		default:
			res.CutMix = true
			res.Lambda = betaSample(m.CutmixAlpha, rng)
		}
	}
	if res.Lambda == 1 {
		res.CutMix = false
	}
	n := h * w * c
	if res.Lambda != 1 {
		if res.CutMix {
			// timm's rand_bbox: a box of side sqrt(1-λ) times the image
			// side centered uniformly, clipped at the borders.
			ratio := math.Sqrt(1 - res.Lambda)
			ch, cw := int(float64(h)*ratio), int(float64(w)*ratio)
			cy, cx := rng.IntN(h), rng.IntN(w)
			res.Y0, res.Y1 = clampInt(cy-ch/2, 0, h), clampInt(cy+ch/2, 0, h)
			res.X0, res.X1 = clampInt(cx-cw/2, 0, w), clampInt(cx+cw/2, 0, w)
			if m.CorrectLambda {
				res.Lambda = 1 - float64((res.Y1-res.Y0)*(res.X1-res.X0))/float64(h*w)
			}
			// x[i] takes x[B-1-i]'s box and vice versa: a swap per pair.
			for i := 0; i < b/2; i++ {
				a, o := images[i*n:(i+1)*n], images[(b-1-i)*n:(b-i)*n]
				for y := res.Y0; y < res.Y1; y++ {
					lo, hi := (y*w+res.X0)*c, (y*w+res.X1)*c
					ra, ro := a[lo:hi], o[lo:hi]
					for k := range ra {
						ra[k], ro[k] = ro[k], ra[k]
					}
				}
			}
		} else {
			lam := float32(res.Lambda)
			for i := 0; i < b/2; i++ {
				a, o := images[i*n:(i+1)*n], images[(b-1-i)*n:(b-i)*n]
				o = o[:len(a)]
				for k, va := range a {
					vo := o[k]
					a[k] = lam*va + (1-lam)*vo
					o[k] = lam*vo + (1-lam)*va
				}
			}
		}
	}
	targets = grow(targets, b*numClasses)
	off := m.LabelSmoothing / float64(numClasses)
	on := 1 - m.LabelSmoothing + off
	for i := range b {
		row := targets[i*numClasses : (i+1)*numClasses]
		for k := range row {
			row[k] = float32(off)
		}
		row[labels[i]] += float32(res.Lambda * (on - off))
		row[labels[b-1-i]] += float32((1 - res.Lambda) * (on - off))
	}
	return targets, res, nil
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

// betaSample draws Beta(a, a) as X/(X+Y) of two Gamma(a) draws, the
// distribution of numpy's np.random.beta used by timm.
func betaSample(a float64, rng *rand.Rand) float64 {
	x, y := gammaSample(a, rng), gammaSample(a, rng)
	if x+y == 0 {
		return 0.5
	}
	return x / (x + y)
}

// gammaSample draws Gamma(a, 1) with Marsaglia and Tsang's method, boosted
// for a < 1 by U^(1/a).
func gammaSample(a float64, rng *rand.Rand) float64 {
	if a < 1 {
		return gammaSample(a+1, rng) * math.Pow(rng.Float64(), 1/a)
	}
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
