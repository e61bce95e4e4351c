// Package vit is the Vision Transformer backbone (Dosovitskiy et al.) as a
// GoMLX graph, in the two forms the ACCV 2022 champion used: a cls token read
// after a final LayerNorm, and MAE's "avg_token" form — the patch tokens
// mean-pooled, then a LayerNorm ("fc_norm"), with no final norm on the tokens.
//
// Images enter as [batch, height, width, channels], normalised. The graph is
// shaped for the pure-Go backend as much as for XLA: separate q/k/v
// projections (no slicing inside a trained graph), pooling and cls selection
// as matrix products with constant vectors, every matmul through fgia/gemm
// so gradients are matmuls too, LayerNorm gains and offsets folded into the
// projections that read them, and, with cls pooling, a last block computed
// for the cls token only (the features are the same; see Features).
package vit

import (
	"fmt"
	"strings"

	"github.com/fgia/fgia/fgia/registry"
)

// Pool says how a ViT turns tokens into one feature vector.
type Pool string

const (
	// PoolCls: LayerNorm on every token, then the cls token.
	PoolCls Pool = "cls"
	// PoolAvg: mean of the patch tokens, then a LayerNorm (MAE's avg_token,
	// final_norm=False), the champion's ViT-L form; timm's global_pool
	// "avg" with fc_norm.
	PoolAvg Pool = "avg"
	// PoolNormAvg: LayerNorm on every token, then the mean of the patch
	// tokens: timm's global_pool "avg" with fc_norm=False (its *_gap_*
	// models).
	PoolNormAvg Pool = "norm_avg"
)

// Config describes a ViT.
type Config struct {
	ImageSize    int     `json:"image_size"`
	Channels     int     `json:"channels"`
	PatchSize    int     `json:"patch_size"`
	Dim          int     `json:"dim"`
	Depth        int     `json:"depth"`
	Heads        int     `json:"heads"`
	MLPRatio     float64 `json:"mlp_ratio"`
	ClsToken     bool    `json:"cls_token"`
	Pool         Pool    `json:"pool"`
	DropPathRate float64 `json:"drop_path_rate"`
	NormEps      float64 `json:"norm_eps"`
}

// Validate reports an inconsistent configuration.
func (c Config) Validate() error {
	switch {
	case c.ImageSize <= 0 || c.PatchSize <= 0 || c.ImageSize%c.PatchSize != 0:
		return fmt.Errorf("vit: image size %d is not a multiple of patch size %d", c.ImageSize, c.PatchSize)
	case c.Channels <= 0 || c.Dim <= 0 || c.Depth <= 0 || c.Heads <= 0:
		return fmt.Errorf("vit: channels, dim, depth and heads must be positive: %+v", c)
	case c.Dim%c.Heads != 0:
		return fmt.Errorf("vit: dim %d is not divisible by %d heads", c.Dim, c.Heads)
	case c.Pool != PoolCls && c.Pool != PoolAvg && c.Pool != PoolNormAvg:
		return fmt.Errorf("vit: unknown pool %q (want cls, avg or norm_avg)", c.Pool)
	case c.Pool == PoolCls && !c.ClsToken:
		return fmt.Errorf("vit: cls pooling needs a cls token")
	case c.MLPRatio <= 0 || c.NormEps <= 0:
		return fmt.Errorf("vit: mlp ratio and norm epsilon must be positive")
	case c.DropPathRate < 0 || c.DropPathRate >= 1:
		return fmt.Errorf("vit: drop path rate %g not in [0, 1)", c.DropPathRate)
	}
	return nil
}

// Grid is the number of patches along each side.
func (c Config) Grid() int { return c.ImageSize / c.PatchSize }

// Tokens is the sequence length: the patches, plus the cls token if any.
func (c Config) Tokens() int {
	n := c.Grid() * c.Grid()
	if c.ClsToken {
		n++
	}
	return n
}

// FeatureDim is the size of the pooled feature vector.
func (c Config) FeatureDim() int { return c.Dim }

// Hidden is the MLP's hidden width (rounded, so that timm's fractional
// ratios such as 48/11 for ViT-g give its integer widths).
func (c Config) Hidden() int { return int(float64(c.Dim)*c.MLPRatio + 0.5) }

// NumParams counts the backbone's learned values (no classification head).
func (c Config) NumParams() int {
	d, h := c.Dim, c.Hidden()
	n := c.PatchSize*c.PatchSize*c.Channels*d + d // patch embedding
	n += c.Tokens() * d                           // positions
	if c.ClsToken {
		n += d
	}
	block := 2*2*d + // two LayerNorms
		4*(d*d+d) + // q, k, v, proj
		d*h + h + h*d + d // MLP
	n += c.Depth * block
	return n + 2*d // final norm or fc_norm
}

// FLOPsPerImage counts the forward pass's floating-point operations (2 per
// multiply-add, matmuls only: the rest is a few percent), for throughput and
// MFU figures.
func (c Config) FLOPsPerImage() float64 {
	t, d, h := float64(c.Tokens()), float64(c.Dim), float64(c.Hidden())
	patches := float64(c.Grid() * c.Grid())
	f := 2 * patches * float64(c.PatchSize*c.PatchSize*c.Channels) * d
	f += float64(c.Depth) * (2*4*t*d*d + 2*2*t*t*d + 2*2*t*d*h)
	return f
}

// Registry holds the named configurations: the champion's sizes and the
// small ones the CPU demo and the benchmark use.
var Registry = registry.New[Config]("ViT preset")

func init() {
	base := func(img, ch, patch, dim, depth, heads int, mlp float64, pool Pool, dp float64) Config {
		return Config{ImageSize: img, Channels: ch, PatchSize: patch, Dim: dim, Depth: depth, Heads: heads,
			MLPRatio: mlp, ClsToken: true, Pool: pool, DropPathRate: dp, NormEps: 1e-6}
	}
	Registry.Register("vit-bench", "the benchmark model of `fgia bench` and its PyTorch peer: 28x28 gray, patch 4, D 64, 4 blocks, cls token",
		base(28, 1, 4, 64, 4, 4, 2, PoolCls, 0))
	Registry.Register("vit-demo", "the CPU demo: 28x28 gray, patch 4, D 64, 5 blocks, mean-pooled tokens then fc_norm",
		base(28, 1, 4, 64, 5, 4, 2, PoolAvg, 0.05))
	sizes := []struct {
		short            string
		dim, depth, head int
	}{{"t", 192, 12, 3}, {"s", 384, 12, 6}, {"b", 768, 12, 12}, {"l", 1024, 24, 16}}
	for _, size := range []int{224, 384, 448} {
		for _, z := range sizes {
			Registry.Register(fmt.Sprintf("vit-%s16-%d", z.short, size),
				fmt.Sprintf("ViT-%s/16 at %d (MAE form: mean-pooled tokens then fc_norm)", strings.ToUpper(z.short), size),
				base(size, 3, 16, z.dim, z.depth, z.head, 4, PoolAvg, 0.1))
		}
	}
}

// Preset returns a named configuration.
func Preset(name string) (Config, error) {
	c, err := Registry.Get(name)
	if err != nil {
		return Config{}, fmt.Errorf("vit: %w", err)
	}
	return c, nil
}

// PresetNames lists the presets, sorted.
func PresetNames() []string { return Registry.Names() }
