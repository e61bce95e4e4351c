package vit

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ResizePosEmbed adapts a learned position embedding [1, T, D] to another
// grid, as when a model pretrained at 224 is fine-tuned at 448: the cls
// token's embedding (if any) is kept and the patch embeddings, seen as a
// g x g image of D channels, are resized bicubically (a = -0.75,
// half-pixel centres, as PyTorch's interpolate with align_corners=False).
func ResizePosEmbed(t *tensors.Tensor, cls bool, toGrid int) (*tensors.Tensor, error) {
	dims := t.Shape().Dimensions
	if len(dims) != 3 || dims[0] != 1 {
		return nil, fmt.Errorf("vit: position embedding of shape %v, want [1, tokens, dim]", dims)
	}
	tokens, d := dims[1], dims[2]
	extra := 0
	if cls {
		extra = 1
	}
	from := int(math.Round(math.Sqrt(float64(tokens - extra))))
	if from*from != tokens-extra {
		return nil, fmt.Errorf("vit: %d position tokens are not a square grid (cls %v)", tokens, cls)
	}
	var src []float32
	t.MustConstFlatData(func(flat any) { src = append(src, flat.([]float32)...) })
	out := make([]float32, (extra+toGrid*toGrid)*d)
	copy(out, src[:extra*d])
	grid := src[extra*d:]
	scale := float64(from) / float64(toGrid)
	for y := 0; y < toGrid; y++ {
		wy, iy := cubicWeights((float64(y)+0.5)*scale - 0.5)
		for x := 0; x < toGrid; x++ {
			wx, ix := cubicWeights((float64(x)+0.5)*scale - 0.5)
			o := out[(extra+y*toGrid+x)*d:]
			for ky := 0; ky < 4; ky++ {
				sy := clamp(iy+ky, from)
				for kx := 0; kx < 4; kx++ {
					w := float32(wy[ky] * wx[kx])
					s := grid[(sy*from+clamp(ix+kx, from))*d:]
					for c := 0; c < d; c++ {
						o[c] += w * s[c]
					}
				}
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(out, 1, extra+toGrid*toGrid, d), nil
}

// cubicWeights returns the 4 weights of the cubic convolution kernel
// (a = -0.75) around position p and the index of the first tap.
func cubicWeights(p float64) ([4]float64, int) {
	i := int(math.Floor(p))
	f := p - float64(i)
	const a = -0.75
	k := func(x float64) float64 {
		x = math.Abs(x)
		switch {
		case x <= 1:
			return ((a+2)*x-(a+3))*x*x + 1
		case x < 2:
			return ((a*x-5*a)*x+8*a)*x - 4*a
		}
		return 0
	}
	return [4]float64{k(1 + f), k(f), k(1 - f), k(2 - f)}, i - 1
}

func clamp(i, n int) int { return min(max(i, 0), n-1) }
