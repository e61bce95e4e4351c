package swinv2

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/nn"
)

// patchEmbed turns images [B, H, W, Ch] into patch embeddings [B, H/p, W/p, EmbedDim]: each
// non-overlapping p x p patch is flattened in (row, column, channel) order and projected by a
// Dense layer, which is the stride-p convolution of Swin without a convolution op. A torch
// conv weight [E, Ch, p, p] maps to weights[(row*p+col)*Ch+ch, e]. (The init is fgia/nn's
// normal(0.02) rather than torch's conv default: the LayerNorm that follows makes the scale moot.)
func (c Config) patchEmbed(ctx *context.Context, images *Node) *Node {
	dims := images.Shape().Dimensions
	b, h, w, ch := dims[0], dims[1], dims[2], dims[3]
	p := c.PatchSize
	x := Reshape(images, b, h/p, p, w/p, p, ch)
	x = TransposeAllAxes(x, 0, 1, 3, 2, 4, 5)
	x = Reshape(x, b, h/p, w/p, p*p*ch)
	x = nn.Linear(ctx.In("proj"), x, true, c.EmbedDim)
	if !c.NoPatchNorm {
		x = layerNorm(ctx.In("norm"), x, c.NormEps, false)
	}
	return x
}

// applyMaskToken replaces the embeddings of masked patches by a learned token (SimMIM):
// x [B, Hp, Wp, C], mask [B, Hp, Wp] with 1 = masked. The token is "/simmim/mask_token".
func (c Config) applyMaskToken(ctx *context.Context, x, mask *Node) *Node {
	token := nn.Param(ctx.In("simmim"), x.Graph(), "mask_token", x.DType(), nn.WeightStd, c.EmbedDim)
	w := InsertAxes(ConvertDType(mask, x.DType()), -1) // [B, Hp, Wp, 1]
	token = Reshape(token, 1, 1, 1, c.EmbedDim)
	return Add(Mul(x, OneMinus(w)), Mul(token, w))
}

// patchMerging halves the grid and doubles the width: each 2x2 neighbourhood of x [B, H, W, C]
// is concatenated into 4C, reduced by Dense(4C -> 2C, no bias) and normalised (Swin-V2 puts the
// norm after the reduction). The 4C order is timm's: (0,0), (1,0), (0,1), (1,1) as (row, col)
// offsets, i.e. column offset outer, row offset inner, so timm weights load as they are.
func (c Config) patchMerging(ctx *context.Context, x *Node) *Node {
	dims := x.Shape().Dimensions
	b, h, w, ch := dims[0], dims[1], dims[2], dims[3]
	x = Reshape(x, b, h/2, 2, w/2, 2, ch)
	x = TransposeAllAxes(x, 0, 1, 3, 4, 2, 5) // [B, H/2, W/2, colOff, rowOff, C]
	x = Reshape(x, b, h/2, w/2, 4*ch)
	x = nn.Linear(ctx.In("reduction"), x, false, 2*ch)
	return layerNorm(ctx.In("norm"), x, c.NormEps, false)
}
