package pretrain

import (
	"math/rand/v2"
)

// maeMasks are the host-made inputs of one MAE batch. For each example a
// random permutation of its n patches keeps the first k (MAE's per-sample
// shuffle).
type maeMasks struct {
	Keep    []int32   // [B*(cls+k)]: flat indices into the embedded tokens [B*T] (cls first)
	Restore []int32   // [B*n]: flat indices into [B*(cls+k) decoded visible tokens ++ B*(n-k) mask tokens]
	Mask    []float32 // [B*n]: 1 where the patch is masked
}

// newMAEMasks draws the masks of a batch of b examples with n patches, k
// kept, and cls = 1 when the tokens start with a cls token.
func newMAEMasks(rng permuter, b, n, k, cls int) maeMasks {
	t := n + cls // tokens per example after embedding
	m := maeMasks{
		Keep:    make([]int32, 0, b*(cls+k)),
		Restore: make([]int32, b*n),
		Mask:    make([]float32, b*n),
	}
	visible := int32(b * (cls + k)) // where the mask tokens start in the decoder's source
	for e := 0; e < b; e++ {
		perm := rng.Perm(n)
		if cls == 1 {
			m.Keep = append(m.Keep, int32(e*t))
		}
		for r, p := range perm {
			if r < k {
				m.Keep = append(m.Keep, int32(e*t+cls+p))
				m.Restore[e*n+p] = int32(e*(cls+k) + cls + r)
			} else {
				m.Restore[e*n+p] = visible + int32(e*(n-k)+r-k)
				m.Mask[e*n+p] = 1
			}
		}
	}
	return m
}

// simMIMMasks are the host-made inputs of one SimMIM batch: the mask at the
// encoder's patch grid and at the pixel grid.
type simMIMMasks struct {
	Patches []float32 // [B, grid, grid]: 1 = masked patch
	Pixels  []float32 // [B, side, side, 1]
}

// newSimMIMMasks masks round(ratio * cells^2) random cells of a cells x
// cells grid per example; each cell covers scale x scale patches of patch
// x patch pixels.
func newSimMIMMasks(rng permuter, b, cells, scale, patch int, ratio float64) simMIMMasks {
	grid := cells * scale
	side := grid * patch
	count := int(float64(cells*cells)*ratio + 0.5)
	m := simMIMMasks{Patches: make([]float32, b*grid*grid), Pixels: make([]float32, b*side*side)}
	for e := 0; e < b; e++ {
		for _, cell := range rng.Perm(cells * cells)[:count] {
			cy, cx := cell/cells, cell%cells
			for y := cy * scale; y < (cy+1)*scale; y++ {
				for x := cx * scale; x < (cx+1)*scale; x++ {
					m.Patches[(e*grid+y)*grid+x] = 1
				}
			}
			for y := cy * scale * patch; y < (cy+1)*scale*patch; y++ {
				for x := cx * scale * patch; x < (cx+1)*scale*patch; x++ {
					m.Pixels[(e*side+y)*side+x] = 1
				}
			}
		}
	}
	return m
}

// batchRNG is the mask randomness of the batch at a global step: a function
// of (seed, step) only, so a resumed run draws the masks it would have drawn.
func batchRNG(seed uint64, step int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x6d61736b, uint64(step)))
}

// permuter is the randomness masks need.
type permuter interface{ Perm(n int) []int }
