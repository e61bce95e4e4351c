// Package nn holds the small layers the kit's models are built from, written
// for speed on both GoMLX backends: matmuls through fgia/gemm (gemm-based
// gradients), LayerNorm with an explicit epsilon (GoMLX's default is 1e-3,
// models expect 1e-5 or 1e-6), exact GELU, and stochastic depth that rescales
// kept paths as timm does.
package nn

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/fgia/fgia/fgia/gemm"
)

// WeightStd is the standard deviation of the (truncated-normal-like) init of
// weight matrices and embeddings, as in timm's ViT (0.02).
const WeightStd = 0.02

// Linear applies x·W + b over x's last axis, creating "weights" [in, out...]
// and, with bias, "biases" [out...] in ctx.
func Linear(ctx *context.Context, x *Node, bias bool, out ...int) *Node {
	w, b := linearVars(ctx, x, bias, out)
	y := gemm.Dense(x, w)
	if bias {
		y = Add(y, Expand(b, y))
	}
	return y
}

// linearVars creates (or reuses) Linear's variables for input x; b is nil
// without bias.
func linearVars(ctx *context.Context, x *Node, bias bool, out []int) (w, b *Node) {
	in := x.Shape().Dimensions[x.Rank()-1]
	wDims := append([]int{in}, out...)
	w = ctx.WithInitializer(initializers.RandomNormalFn(ctx, WeightStd)).
		VariableWithShape("weights", shapes.Make(x.DType(), wDims...)).ValueGraph(x.Graph())
	if bias {
		b = ctx.WithInitializer(initializers.Zero).VariableWithShape("biases", shapes.Make(x.DType(), out...)).ValueGraph(x.Graph())
	}
	return w, b
}

// LayerNorm normalises x over its last axis with a learned gain ("gain") and
// offset ("offset").
func LayerNorm(ctx *context.Context, x *Node, eps float64) *Node {
	return Normalize(ctx, x, eps).Apply()
}

// Normalized is a LayerNorm's output before its gain and offset: a
// LayerNorm read only by matmuls can fold them into the matmuls' weights
// (Linear) instead of spending two broadcasts and two elementwise passes
// over every token, forward and backward again.
type Normalized struct {
	X            *Node // x normalised over its last axis
	Gain, Offset *Node // [D]; nil: none (X is used as it is)
}

// Normalize is LayerNorm without applying the gain and offset, which it
// creates (or reuses) in ctx as LayerNorm does.
func Normalize(ctx *context.Context, x *Node, eps float64) Normalized {
	d := x.Shape().Dimensions[x.Rank()-1]
	g := x.Graph()
	mean := MeanLast(x)
	centered := Sub(x, Expand(mean, x))
	variance := MeanLast(Square(centered))
	// Rsqrt has no gradient in GoMLX v0.26. The reciprocal is taken on the
	// per-token tensor and the full one multiplied: a Mul's gradient costs
	// two elementwise passes over [.., D], a Div's five.
	rstd := Reciprocal(Sqrt(AddScalar(variance, eps)))
	return Normalized{
		X:      Mul(centered, Expand(rstd, x)),
		Gain:   ctx.WithInitializer(initializers.One).VariableWithShape("gain", shapes.Make(x.DType(), d)).ValueGraph(g),
		Offset: ctx.WithInitializer(initializers.Zero).VariableWithShape("offset", shapes.Make(x.DType(), d)).ValueGraph(g),
	}
}

// Apply returns X·gain + offset, LayerNorm's output.
func (n Normalized) Apply() *Node {
	if n.Gain == nil {
		return n.X
	}
	return Add(Mul(n.X, Expand(n.Gain, n.X)), Expand(n.Offset, n.X))
}

// Map applies f (a per-token function that keeps the last axis, such as
// taking one token) to X, keeping the gain and offset to fold.
func (n Normalized) Map(f func(*Node) *Node) Normalized {
	n.X = f(n.X)
	return n
}

// Linear is Linear(ctx, n.Apply(), bias, out...) with the same variables,
// computed as X·(gain⊙W) + (offset·W + b): the gain and offset touch the
// [in, out...] weights only.
func (n Normalized) Linear(ctx *context.Context, bias bool, out ...int) *Node {
	if n.Gain == nil {
		return Linear(ctx, n.X, bias, out...)
	}
	w, b := linearVars(ctx, n.X, bias, out)
	gain := BroadcastToShape(Reshape(n.Gain, append([]int{w.Shape().Dimensions[0]}, onesDims(len(out))...)...), w.Shape())
	y := gemm.Dense(n.X, Mul(w, gain))
	shift := gemm.DotGeneral(n.Offset, []int{0}, nil, w, []int{0}, nil) // [out...]
	if b != nil {
		shift = Add(shift, b)
	}
	return Add(y, Expand(shift, y))
}

func onesDims(n int) []int {
	d := make([]int, n)
	for i := range d {
		d[i] = 1
	}
	return d
}

// MeanLast is the mean over the last axis, kept as an axis of size 1 (see
// gemm.SumLast for why it is not ReduceMean).
func MeanLast(x *Node) *Node {
	d := x.Shape().Dimensions[x.Rank()-1]
	return ExpandAxes(MulScalar(gemm.SumLast(x), 1/float64(d)), -1)
}

// SoftmaxLast is softmax over the last axis, with explicit broadcasts (see
// Expand).
func SoftmaxLast(x *Node) *Node {
	e, sum := SoftmaxParts(x)
	return Mul(e, Expand(Reciprocal(sum), e))
}

// SoftmaxParts returns the numerator and denominator of softmax over the
// last axis: e = exp(x - max), and its sum kept as an axis of size 1. A
// caller that multiplies the softmax by a matrix next can divide the smaller
// product instead (attention: [.., T, head dim] rather than [.., T, T]).
func SoftmaxParts(x *Node) (e, sum *Node) {
	m := StopGradient(ReduceAndKeep(x, ReduceMax, -1)) // for stability only
	e = Exp(Sub(x, Expand(m, x)))
	return e, ExpandAxes(gemm.SumLast(e), -1)
}

// Expand makes v broadcastable against like (adding leading axes). On the
// pure-Go backend it broadcasts explicitly: that backend runs an implicitly
// broadcasting binary op through a slow per-element iterator, and an
// explicit broadcast then a same-shape op is much faster. XLA fuses the
// implicit form best, so it gets that.
func Expand(v, like *Node) *Node {
	if v.Shape().Equal(like.Shape()) {
		return v
	}
	v = ExpandLeftToRank(v, like.Rank())
	if !gemm.PureGo(like.Graph()) {
		return v
	}
	return BroadcastToShape(v, like.Shape())
}

// GELU is the exact Gaussian error linear unit, x·Φ(x).
func GELU(x *Node) *Node {
	return Mul(MulScalar(x, 0.5), OnePlus(Erf(MulScalar(x, 1/math.Sqrt2))))
}

// DropPath zeroes whole examples of x (a residual branch) with probability
// rate during training and scales the kept ones by 1/(1-rate), so the
// branch's expected value is unchanged; at inference it is the identity.
func DropPath(ctx *context.Context, x *Node, rate float64) *Node {
	g := x.Graph()
	if rate <= 0 || !ctx.IsTraining(g) {
		return x
	}
	mask := make([]int, x.Rank())
	for i := range mask {
		mask[i] = 1
	}
	mask[0] = x.Shape().Dimensions[0]
	keep := ctx.RandomBernoulli(Scalar(g, x.DType(), 1-rate), shapes.Make(x.DType(), mask...))
	return Mul(x, Expand(MulScalar(keep, 1/(1-rate)), x))
}

// Param creates (or reuses) a learned tensor of the given shape initialised
// from a normal distribution with the given std (0: zeros).
func Param(ctx *context.Context, g *Graph, name string, dtype dtypes.DType, std float64, dims ...int) *Node {
	init := initializers.Zero
	if std > 0 {
		init = initializers.RandomNormalFn(ctx, std)
	}
	return ctx.WithInitializer(init).VariableWithShape(name, shapes.Make(dtype, dims...)).ValueGraph(g)
}
