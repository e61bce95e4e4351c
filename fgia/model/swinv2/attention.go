package swinv2

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best dot-imported
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// maxLogitScale caps the learned cosine-attention temperature at 100 (Swin-V2's clamp).
var maxLogitScale = math.Log(100)

// windowAttention is Swin-V2's (shifted) window multi-head self-attention on x [B, H, W, C]:
// cosine similarity of L2-normalised q and k times a learned per-head temperature, plus the
// continuous relative position bias, plus the shift mask, softmax, then v and the output
// projection. Result: [B, H, W, C].
func windowAttention(ctx *context.Context, gc *graphConsts, x *Node, s stageGeom, heads int, shifted bool) *Node {
	dims := x.Shape().Dimensions
	b, c := dims[0], dims[3]
	hd := c / heads
	nw, n := s.numWindows(), s.windowArea()

	windows := partitionWindows(gc, x, s, shifted) // [B, nW, N, C]

	// Separate projections rather than one fused qkv: splitting a fused output needs Slice, whose
	// gradient (Pad) simplego lacks. Swin-V2 has q and v biases but no k bias.
	split := func(t *Node) *Node { return Reshape(t, b, nw, n, heads, hd) }
	q := split(linear(ctx.In("q"), windows, c, true, nil))
	k := split(linear(ctx.In("k"), windows, c, false, nil))
	v := split(linear(ctx.In("v"), windows, c, true, nil))

	// Cosine attention: the logits are cos(q, k) in [-1, 1], scaled per head.
	q = L2Normalize(q, -1)
	k = L2Normalize(k, -1)
	logits := Einsum("bwnhd,bwmhd->bwhnm", q, k) // [B, nW, heads, N, N]
	logitScale := ctx.WithInitializer(constantInit(math.Log(10))).
		VariableWithShape("logit_scale", shapes.Make(x.DType(), heads)).ValueGraph(x.Graph())
	scale := Exp(MinScalar(logitScale, maxLogitScale))
	logits = Mul(logits, Reshape(scale, 1, 1, heads, 1, 1))
	logits = Add(logits, Reshape(positionBias(ctx.In("cpb_mlp"), gc, s, heads, x), 1, 1, heads, n, n))
	if shifted {
		logits = Add(logits, shiftMask(gc, s, x.DType()))
	}
	attn := Softmax(logits, -1)

	out := Einsum("bwhnm,bwmhd->bwnhd", attn, v) // [B, nW, N, heads, hd]
	out = linear(ctx.In("proj"), Reshape(out, b, nw, n, c), c, true, nil)
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
	hidden := activations.Relu(linear(ctx.In("fc1"), table, cpbHidden, true, nil))
	perOffset := linear(ctx.In("fc2"), hidden, heads, false, nil) // [rows, heads]
	bias := Reshape(Gather(perOffset, index), n, n, heads)
	bias = TransposeAllAxes(bias, 2, 0, 1)
	return MulScalar(Sigmoid(bias), 16)
}
