package vit

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/gemm"
	"github.com/fgia/fgia/fgia/nn"
)

// Scopes of the variables, so checkpoints read naturally.
const (
	scopePatch = "patch_embed"
	scopeBlock = "block_%02d"
	scopeNorm  = "norm"
	// scopeFCNorm is the LayerNorm after average pooling (timm's fc_norm).
	scopeFCNorm = "fc_norm"
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
		x = c.block(ctx.In(fmt.Sprintf(scopeBlock, i)), x, c.dropPath(i))
	}
	return x
}

// dropPath is block i's stochastic depth rate (linear in depth, as timm).
func (c Config) dropPath(i int) float64 {
	if c.Depth <= 1 {
		return 0
	}
	return c.DropPathRate * float64(i) / float64(c.Depth-1)
}

// Features runs the backbone and pools: [B, H, W, C] -> [B, D].
//
// With cls pooling only the cls token of the last block's output is read,
// and in that block every other token's output depends on nothing but
// itself: its query row of attention, the output projection, the MLP and
// the final LayerNorm are per-token. So the last block computes keys and
// values for all tokens but the rest for the cls token alone (clsBlock):
// the same features, with about a fifth less work for the bench ViT.
func (c Config) Features(ctx *context.Context, images *Node) *Node {
	x := c.Embed(ctx, images)
	if c.Pool != PoolCls {
		return c.PoolTokens(ctx, c.Blocks(ctx, x))
	}
	last := c.Depth - 1
	for i := 0; i < last; i++ {
		x = c.block(ctx.In(fmt.Sprintf(scopeBlock, i)), x, c.dropPath(i))
	}
	cls := c.clsBlock(ctx.In(fmt.Sprintf(scopeBlock, last)), x, c.dropPath(last))
	return nn.LayerNorm(ctx.In(scopeNorm), cls, c.NormEps)
}

// PoolTokens turns the blocks' output [B, T, D] into [B, D].
func (c Config) PoolTokens(ctx *context.Context, x *Node) *Node {
	if c.Pool == PoolCls {
		// LayerNorm is per token: normalising the cls token alone is the same.
		return nn.LayerNorm(ctx.In(scopeNorm), selectCls(x), c.NormEps)
	}
	t := x.Shape().Dimensions[1]
	w := make([]float32, t)
	first := 0
	if c.ClsToken {
		first = 1
	}
	for i := first; i < t; i++ {
		w[i] = 1 / float32(t-first)
	}
	if c.Pool == PoolNormAvg {
		return weighTokens(nn.LayerNorm(ctx.In(scopeNorm), x, c.NormEps), w)
	}
	return nn.LayerNorm(ctx.In(scopeFCNorm), weighTokens(x, w), c.NormEps)
}

// block is one pre-norm transformer block. Its LayerNorms' gains and
// offsets are folded into the projections that read them (nn.Normalized).
func (c Config) block(ctx *context.Context, x *Node, dropPath float64) *Node {
	h := nn.Normalize(ctx.In("norm1"), x, c.NormEps)
	x = Add(x, nn.DropPath(ctx, attention(ctx.In("attn"), h, c.Heads), dropPath))
	return c.mlp(ctx, x, dropPath)
}

// clsBlock is block for the cls token's output only: x [B, T, D] -> [B, D].
// Variables are block's.
func (c Config) clsBlock(ctx *context.Context, x *Node, dropPath float64) *Node {
	h := nn.Normalize(ctx.In("norm1"), x, c.NormEps)
	y := Add(selectCls(x), nn.DropPath(ctx, clsAttention(ctx.In("attn"), h, c.Heads), dropPath))
	return c.mlp(ctx, y, dropPath)
}

// mlp is the second half of a block: y + MLP(LayerNorm(y)).
func (c Config) mlp(ctx *context.Context, y *Node, dropPath float64) *Node {
	h := nn.Normalize(ctx.In("norm2"), y, c.NormEps).Linear(ctx.In("fc1"), true, c.Hidden())
	h = nn.Linear(ctx.In("fc2"), nn.GELU(h), true, c.Dim)
	return Add(y, nn.DropPath(ctx, h, dropPath))
}

// selectCls takes token 0 of x [B, T, D]: [B, D]. Slicing would do, but
// the gradient of a slice is a Pad, which the pure-Go backend lacks.
func selectCls(x *Node) *Node {
	w := make([]float32, x.Shape().Dimensions[1])
	w[0] = 1
	return weighTokens(x, w)
}

// weighTokens is the sum of the tokens of x [B, T, D] weighted by w [T]:
// [B, D]. It is a product with w repeated per example, B being a batch
// axis of the product: simplego multiplies a product without batch axes
// whose cross sizes (here B*D) pass 16384 with its blocked kernel, which
// would pad the single column of w to a 32-wide block.
func weighTokens(x *Node, w []float32) *Node {
	dims := x.Shape().Dimensions
	rep := make([]float32, 0, dims[0]*dims[1])
	for b := 0; b < dims[0]; b++ {
		rep = append(rep, w...)
	}
	c := ConstTensor(x.Graph(), tensors.FromFlatDataAndDimensions(rep, dims[0], dims[1]))
	return gemm.DotGeneral(x, []int{1}, []int{0}, c, []int{1}, []int{0}) // [B, D]
}

// clsAttention is attention's output for the cls token alone: keys and
// values from every token of x [B, T, D], the query from token 0; [B, D].
func clsAttention(ctx *context.Context, x nn.Normalized, heads int) *Node {
	d := x.X.Shape().Dimensions[2]
	hd := d / heads
	q := x.Map(selectCls).Linear(ctx.In("q"), true, heads, hd) // [B, H, hd]
	k := x.Linear(ctx.In("k"), true, heads, hd)
	v := x.Linear(ctx.In("v"), true, heads, hd)
	q = MulScalar(q, 1/math.Sqrt(float64(hd)))
	scores := gemm.DotGeneral(q, []int{2}, []int{0, 1}, k, []int{3}, []int{0, 2}) // [B, H, T]
	e, sum := nn.SoftmaxParts(scores)
	out := gemm.DotGeneral(e, []int{2}, []int{0, 1}, v, []int{1}, []int{0, 2}) // [B, H, hd]
	out = Mul(out, nn.Expand(Reciprocal(sum), out))
	return project(ctx, out, []int{1, 2}, heads, hd, d) // [B, D]
}

// project is attention's output projection, contracting the heads and head
// dim axes (hAxes) of out at once.
func project(ctx *context.Context, out *Node, hAxes []int, heads, hd, d int) *Node {
	g := out.Graph()
	w := nn.Param(ctx.In("proj"), g, "weights", out.DType(), nn.WeightStd, heads, hd, d)
	b := nn.Param(ctx.In("proj"), g, "biases", out.DType(), 0, d)
	y := gemm.DotGeneral(out, hAxes, nil, w, []int{0, 1}, nil)
	return Add(y, nn.Expand(b, y))
}

// Attention is multi-head scaled dot-product self-attention over x [B, T, D]
// with logits scaled by 1/sqrt(head dim). q, k and v are separate
// projections straight into [B, T, heads, head dim]; the output projection
// contracts heads and head dim at once, so no transpose is needed.
func Attention(ctx *context.Context, x *Node, heads int) *Node {
	return attention(ctx, nn.Normalized{X: x}, heads)
}

// attention is Attention reading a LayerNorm's output, whose gain and
// offset are folded into the q, k and v projections.
func attention(ctx *context.Context, x nn.Normalized, heads int) *Node {
	d := x.X.Shape().Dimensions[2]
	hd := d / heads
	q := x.Linear(ctx.In("q"), true, heads, hd)
	k := x.Linear(ctx.In("k"), true, heads, hd)
	v := x.Linear(ctx.In("v"), true, heads, hd)
	q = MulScalar(q, 1/math.Sqrt(float64(hd)))
	scores := gemm.DotGeneral(q, []int{3}, []int{0, 2}, k, []int{3}, []int{0, 2}) // [B, H, T, T]
	// Softmax's normalisation is applied to attn·v, hd wide instead of T:
	// fewer elements through the pure-Go backend's elementwise loops (and a
	// Mul by the reciprocal, whose gradient is cheaper than a Div's).
	e, sum := nn.SoftmaxParts(scores)
	out := gemm.DotGeneral(e, []int{3}, []int{0, 1}, v, []int{1}, []int{0, 2}) // [B, H, T, hd]
	out = Mul(out, nn.Expand(Reciprocal(sum), out))
	return project(ctx, out, []int{1, 3}, heads, hd, d) // [B, T, D]
}
