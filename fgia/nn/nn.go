// Package nn holds the small layers the kit's models are built from, written
// for speed on both GoMLX backends: matmuls through fgia/gemm (gemm-based
// gradients), LayerNorm with an explicit epsilon (GoMLX's default is 1e-3,
// models expect 1e-5 or 1e-6), exact GELU, and stochastic depth that rescales
// kept paths as timm does.
package nn

import (
	"math"

	"github.com/gomlx/gomlx/backends/simplego"
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
	in := x.Shape().Dimensions[x.Rank()-1]
	wDims := append([]int{in}, out...)
	w := ctx.WithInitializer(initializers.RandomNormalFn(ctx, WeightStd)).
		VariableWithShape("weights", shapes.Make(x.DType(), wDims...)).ValueGraph(x.Graph())
	y := gemm.Dense(x, w)
	if bias {
		b := ctx.WithInitializer(initializers.Zero).VariableWithShape("biases", shapes.Make(x.DType(), out...)).ValueGraph(x.Graph())
		y = Add(y, Expand(b, y))
	}
	return y
}

// LayerNorm normalises x over its last axis with a learned gain ("gain") and
// offset ("offset").
func LayerNorm(ctx *context.Context, x *Node, eps float64) *Node {
	d := x.Shape().Dimensions[x.Rank()-1]
	g := x.Graph()
	mean := ReduceAndKeep(x, ReduceMean, -1)
	centered := Sub(x, Expand(mean, x))
	variance := ReduceAndKeep(Square(centered), ReduceMean, -1)
	y := Div(centered, Expand(Sqrt(AddScalar(variance, eps)), x)) // Rsqrt has no gradient in GoMLX v0.26
	gain := ctx.WithInitializer(initializers.One).VariableWithShape("gain", shapes.Make(x.DType(), d)).ValueGraph(g)
	offset := ctx.WithInitializer(initializers.Zero).VariableWithShape("offset", shapes.Make(x.DType(), d)).ValueGraph(g)
	return Add(Mul(y, Expand(gain, x)), Expand(offset, x))
}

// SoftmaxLast is softmax over the last axis, with explicit broadcasts (see
// Expand).
func SoftmaxLast(x *Node) *Node {
	m := StopGradient(ReduceAndKeep(x, ReduceMax, -1)) // for stability only
	e := Exp(Sub(x, Expand(m, x)))
	return Div(e, Expand(ReduceAndKeep(e, ReduceSum, -1), e))
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
	if _, pureGo := like.Graph().Backend().(*simplego.Backend); !pureGo {
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
