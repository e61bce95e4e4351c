package swinv2

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"

	"github.com/fgia/fgia/fgia/gemm"
	"github.com/fgia/fgia/fgia/nn"
)

// maxLogitScale caps the learned cosine-attention temperature at 100 (Swin-V2's clamp).
var maxLogitScale = math.Log(100)

// windowAttention is Swin-V2's (shifted) window multi-head self-attention on x [B, H, W, C]:
// cosine similarity of L2-normalised q and k times a learned per-head temperature, plus the
// continuous relative position bias, plus the shift mask, softmax, then v and the output
// projection. Result: [B, H, W, C].
//
// Variables: q, k, v weights [C, heads, hd] (q and v with biases [heads, hd], k without, as
// Swin-V2), proj weights [heads, hd, C] and biases [C] (fgia/model/vit's layout; a torch
// [C, C] matrix is a reshape of its transpose), logit_scale [heads], cpb_mlp.
func windowAttention(ctx *context.Context, gc *graphConsts, x *Node, s stageGeom, heads int, shifted bool) *Node {
	dims := x.Shape().Dimensions
	c := dims[3]
	hd := c / heads
	g := x.Graph()

	windows := partitionWindows(gc, x, s, shifted) // [B, nW, N, C]

	// Separate projections rather than one fused qkv: splitting a fused output needs Slice, whose
	// gradient (Pad) simplego lacks.
	q := nn.Linear(ctx.In("q"), windows, true, heads, hd) // [B, nW, N, heads, hd]
	k := nn.Linear(ctx.In("k"), windows, false, heads, hd)
	v := nn.Linear(ctx.In("v"), windows, true, heads, hd)

	// Cosine attention: the logits are cos(q, k) in [-1, 1], scaled per head. The scale
	// multiplies the normalised q, [.., N, heads, hd], rather than the logits, [.., heads, N, N]:
	// the same product, on N/hd times fewer values (on XLA's CPU plugin the logits' scaling was
	// fused into a library kernel that needed the scale broadcast to their full size).
	logitScale := ctx.WithInitializer(constantInit(math.Log(10))).
		VariableWithShape("logit_scale", shapes.Make(x.DType(), heads)).ValueGraph(g)
	scale := Exp(MinScalar(logitScale, maxLogitScale))
	q = L2Normalize(q, -1)
	q = Mul(q, nn.Expand(Reshape(scale, 1, 1, 1, heads, 1), q))
	k = L2Normalize(k, -1)
	logits := gemm.DotGeneral(q, []int{4}, []int{0, 1, 3}, k, []int{4}, []int{0, 1, 3}) // [B, nW, heads, N, N]
	logits = Add(logits, InsertAxes(positionBias(ctx.In("cpb_mlp"), gc, s, heads, x), 0, 0))
	if shifted {
		logits = Add(logits, shiftMask(gc, s, x.DType()))
	}
	attn := Softmax(logits, -1)

	out := gemm.DotGeneral(attn, []int{4}, []int{0, 1, 2}, v, []int{2}, []int{0, 1, 3}) // [B, nW, heads, N, hd]
	w := nn.Param(ctx.In("proj"), g, "weights", x.DType(), nn.WeightStd, heads, hd, c)
	b := nn.Param(ctx.In("proj"), g, "biases", x.DType(), 0, c)
	// Contract heads and head dim at once: no transpose back to [.., N, heads, hd] needed.
	out = Add(gemm.DotGeneral(out, []int{2, 4}, nil, w, []int{0, 1}, nil), ExpandLeftToRank(b, 4)) // [B, nW, N, C]
	return reverseWindows(gc, out, s, shifted)
}

// positionBias is Swin-V2's continuous relative position bias, [heads, N, N]: a 2-512-heads MLP
// (ReLU, no output bias) evaluated on the log-spaced coordinate table of the window, gathered
// by the relative position index and squashed to (0, 16) by 16*sigmoid. Its variables depend on
// the number of heads only, never on the window, which is what lets weights move across
// window sizes. x only supplies the graph and dtype.
func positionBias(ctx *context.Context, gc *graphConsts, s stageGeom, heads int, x *Node) *Node {
	g := x.Graph()
	n := s.windowArea()
	rows := (2*s.WinH - 1) * (2*s.WinW - 1)
	table := gc.get(fmt.Sprintf("coords/w%dx%d/p%d/%s", s.WinH, s.WinW, s.Pretrained, x.DType()), func() *Node {
		t := Reshape(Const(g, relativeCoordsTable(s.WinH, s.WinW, s.Pretrained)), rows, 2)
		return ConvertDType(t, x.DType())
	})
	index := gc.get(fmt.Sprintf("relidx/w%dx%d", s.WinH, s.WinW), func() *Node {
		return Reshape(Const(g, relativePositionIndex(s.WinH, s.WinW)), n*n, 1)
	})
	hidden := activations.Relu(nn.Linear(ctx.In("fc1"), table, true, cpbHidden))
	perOffset := nn.Linear(ctx.In("fc2"), hidden, false, heads) // [rows, heads]
	bias := Reshape(Gather(perOffset, index), n, n, heads)
	bias = TransposeAllAxes(bias, 2, 0, 1)
	return MulScalar(Sigmoid(bias), 16)
}
