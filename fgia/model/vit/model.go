package vit

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/gemm"
	"github.com/fgia/fgia/fgia/nn"
)

// Scopes of the variables, so checkpoints read naturally.
const (
	scopePatch = "patch_embed"
	scopeBlock = "block_%02d"
	scopeNorm  = "norm"
	// PosEmbedName is the position embedding variable (in the backbone's
	// scope): checkpoints at another image size are resized on load.
	PosEmbedName = "pos_embed"
)

// Patchify cuts images [B, H, W, C] into [B, N, p*p*C] patch vectors, rows
// first (reshape and transpose only: no slicing).
func (c Config) Patchify(images *Node) *Node {
	b := images.Shape().Dimensions[0]
	g, p := c.Grid(), c.PatchSize
	x := Reshape(images, b, g, p, g, p, c.Channels)
	x = TransposeAllAxes(x, 0, 1, 3, 2, 4, 5)
	return Reshape(x, b, g*g, p*p*c.Channels)
}

// Embed turns images into the token sequence [B, T, D]: patch embedding, the
// cls token first if any, plus the learned position embedding.
func (c Config) Embed(ctx *context.Context, images *Node) *Node {
	dims := images.Shape().Dimensions
	if len(dims) != 4 || dims[1] != c.ImageSize || dims[2] != c.ImageSize || dims[3] != c.Channels {
		panic(fmt.Sprintf("vit: images %v, want [batch, %d, %d, %d]", dims, c.ImageSize, c.ImageSize, c.Channels))
	}
	g := images.Graph()
	x := nn.Linear(ctx.In(scopePatch), c.Patchify(images), true, c.Dim)
	if c.ClsToken {
		cls := nn.Param(ctx, g, "cls_token", x.DType(), 0, 1, 1, c.Dim)
		cls = BroadcastToDims(cls, dims[0], 1, c.Dim)
		x = Concatenate([]*Node{cls, x}, 1)
	}
	pos := nn.Param(ctx, g, PosEmbedName, x.DType(), nn.WeightStd, 1, c.Tokens(), c.Dim)
	return Add(x, pos)
}

// Blocks runs the transformer blocks over tokens [B, T, D].
func (c Config) Blocks(ctx *context.Context, x *Node) *Node {
	for i := 0; i < c.Depth; i++ {
		rate := 0.0
		if c.Depth > 1 {
			rate = c.DropPathRate * float64(i) / float64(c.Depth-1)
		}
		x = c.block(ctx.In(fmt.Sprintf(scopeBlock, i)), x, rate)
	}
	return x
}

// Features runs the backbone and pools: [B, H, W, C] -> [B, D].
func (c Config) Features(ctx *context.Context, images *Node) *Node {
	return c.PoolTokens(ctx, c.Blocks(ctx, c.Embed(ctx, images)))
}

// PoolTokens turns the blocks' output [B, T, D] into [B, D].
func (c Config) PoolTokens(ctx *context.Context, x *Node) *Node {
	t := x.Shape().Dimensions[1]
	w := make([]float32, t)
	switch c.Pool {
	case PoolCls:
		x = nn.LayerNorm(ctx.In(scopeNorm), x, c.NormEps)
		w[0] = 1
		return gemm.DotGeneral(x, []int{1}, nil, Const(x.Graph(), w), []int{0}, nil)
	default:
		first := 0
		if c.ClsToken {
			first = 1
		}
		for i := first; i < t; i++ {
			w[i] = 1 / float32(t-first)
		}
		pooled := gemm.DotGeneral(x, []int{1}, nil, Const(x.Graph(), w), []int{0}, nil)
		return nn.LayerNorm(ctx.In("fc_norm"), pooled, c.NormEps)
	}
}

// block is one pre-norm transformer block.
func (c Config) block(ctx *context.Context, x *Node, dropPath float64) *Node {
	h := nn.LayerNorm(ctx.In("norm1"), x, c.NormEps)
	x = Add(x, nn.DropPath(ctx, Attention(ctx.In("attn"), h, c.Heads), dropPath))
	h = nn.LayerNorm(ctx.In("norm2"), x, c.NormEps)
	h = nn.Linear(ctx.In("fc1"), h, true, c.hidden())
	h = nn.Linear(ctx.In("fc2"), nn.GELU(h), true, c.Dim)
	return Add(x, nn.DropPath(ctx, h, dropPath))
}

// Attention is multi-head scaled dot-product self-attention over x [B, T, D]
// with logits scaled by 1/sqrt(head dim). q, k and v are separate
// projections straight into [B, T, heads, head dim]; the output projection
// contracts heads and head dim at once, so no transpose is needed.
func Attention(ctx *context.Context, x *Node, heads int) *Node {
	d := x.Shape().Dimensions[2]
	hd := d / heads
	q := nn.Linear(ctx.In("q"), x, true, heads, hd)
	k := nn.Linear(ctx.In("k"), x, true, heads, hd)
	v := nn.Linear(ctx.In("v"), x, true, heads, hd)
	q = MulScalar(q, 1/math.Sqrt(float64(hd)))
	scores := gemm.DotGeneral(q, []int{3}, []int{0, 2}, k, []int{3}, []int{0, 2}) // [B, H, T, T]
	attn := nn.SoftmaxLast(scores)
	out := gemm.DotGeneral(attn, []int{3}, []int{0, 1}, v, []int{1}, []int{0, 2}) // [B, H, T, hd]
	g := x.Graph()
	w := nn.Param(ctx.In("proj"), g, "weights", x.DType(), nn.WeightStd, heads, hd, d)
	b := nn.Param(ctx.In("proj"), g, "biases", x.DType(), 0, d)
	y := gemm.DotGeneral(out, []int{1, 3}, nil, w, []int{0, 1}, nil) // [B, T, D]
	return Add(y, nn.Expand(b, y))
}
