package swinv2

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/nn"
)

// block is one Swin-V2 transformer block on x [B, H, W, C], with res-post-norm: the norm comes
// after the branch and before the residual sum, which keeps activations bounded in deep models.
// The two norms' gains start at 0 (Swin-V2's init), so every block starts as the identity.
//
//	x = x + dropPath(norm1(attn(x)))
//	x = x + dropPath(norm2(mlp(x)))
func (c Config) block(ctx *context.Context, gc *graphConsts, x *Node, s stageGeom, heads int, shifted bool, dropRate float64) *Node {
	y := windowAttention(ctx.In("attn"), gc, x, s, heads, shifted)
	x = Add(x, nn.DropPath(ctx, layerNorm(ctx.In("norm1"), y, c.NormEps, true), dropRate))
	y = c.mlp(ctx.In("mlp"), x)
	return Add(x, nn.DropPath(ctx, layerNorm(ctx.In("norm2"), y, c.NormEps, true), dropRate))
}

// mlp is the block's feed-forward: Dense(C -> hidden), exact GELU, Dense(hidden -> C).
func (c Config) mlp(ctx *context.Context, x *Node) *Node {
	dim := x.Shape().Dimensions[x.Rank()-1]
	h := nn.Linear(ctx.In("fc1"), x, true, c.hiddenDim(dim))
	return nn.Linear(ctx.In("fc2"), nn.GELU(h), true, dim)
}
