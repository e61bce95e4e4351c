package swinv2

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best dot-imported
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Small layers written here rather than taken from GoMLX's layers package, so that variable names
// stay short and torch-like (.../q/weights, .../norm1/gain), the initialisation matches timm, and
// the LayerNorm epsilon and drop-path scaling are Swin's.

// initStd is timm's trunc_normal_ standard deviation for Linear weights and the mask token.
const initStd = 0.02

// truncNormal initialises with N(0, std) clipped to +-2 std: the clip stands in for timm's
// trunc_normal_, which resamples instead (the difference is immaterial at std 0.02).
func truncNormal(ctx *context.Context, std float64) context.VariableInitializer {
	return func(g *Graph, shape shapes.Shape) *Node {
		return ClipScalar(MulScalar(ctx.RandomNormal(g, shape), std), -2*std, 2*std)
	}
}

// uniformFanIn initialises with U(-1/sqrt(fanIn), 1/sqrt(fanIn)), PyTorch's default for the
// patch-embedding convolution (timm leaves it untouched).
func uniformFanIn(ctx *context.Context, fanIn int) context.VariableInitializer {
	b := 1 / math.Sqrt(float64(fanIn))
	return initializers.RandomUniformFn(ctx, -b, b)
}

// constantInit fills a variable with value (Swin-V2 starts logit_scale at log(10)).
func constantInit(value float64) context.VariableInitializer {
	return func(g *Graph, shape shapes.Shape) *Node {
		return BroadcastToDims(ConstAsDType(g, shape.DType, value), shape.Dimensions...)
	}
}

// linear is a Dense layer on the last axis: x [..., in] -> [..., out], with variables
// "weights" [in, out] and, if bias, "biases" [out] in ctx's scope. Weights use ctx's
// initializer when init is nil.
func linear(ctx *context.Context, x *Node, out int, bias bool, init context.VariableInitializer) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	in := dims[len(dims)-1]
	if init == nil {
		init = truncNormal(ctx, initStd)
	}
	w := ctx.WithInitializer(init).VariableWithShape("weights", shapes.Make(x.DType(), in, out)).ValueGraph(g)
	// A 2-D Dot is the fastest path on every backend; the reshapes are free.
	y := Dot(Reshape(x, -1, in), w)
	if bias {
		b := ctx.WithInitializer(initializers.Zero).VariableWithShape("biases", shapes.Make(x.DType(), out)).ValueGraph(g)
		y = Add(y, InsertAxes(b, 0))
	}
	outDims := append(append([]int(nil), dims[:len(dims)-1]...), out)
	return Reshape(y, outDims...)
}

// layerNorm normalises the last axis with a learned "gain" and "offset". zeroGain starts the
// gain at 0, as Swin-V2 does for its res-post-norms so that every block starts as the identity.
func layerNorm(ctx *context.Context, x *Node, eps float64, zeroGain bool) *Node {
	g := x.Graph()
	d := x.Shape().Dimensions[x.Rank()-1]
	gainInit := initializers.One
	if zeroGain {
		gainInit = initializers.Zero
	}
	gain := ctx.WithInitializer(gainInit).VariableWithShape("gain", shapes.Make(x.DType(), d)).ValueGraph(g)
	offset := ctx.WithInitializer(initializers.Zero).VariableWithShape("offset", shapes.Make(x.DType(), d)).ValueGraph(g)
	centred := Sub(x, ReduceAndKeep(x, ReduceMean, -1))
	variance := ReduceAndKeep(Square(centred), ReduceMean, -1)
	// Sqrt then Div, not Rsqrt: GoMLX v0.26 has no gradient for Rsqrt.
	y := Div(centred, Sqrt(AddScalar(variance, eps)))
	bcast := make([]int, x.Rank())
	for i := range bcast {
		bcast[i] = 1
	}
	bcast[len(bcast)-1] = d
	return Add(Mul(y, Reshape(gain, bcast...)), Reshape(offset, bcast...))
}

// dropPath zeroes whole examples of a residual branch with probability rate and scales the
// survivors by 1/(1-rate) (timm's DropPath; GoMLX's layers.DropPath does not rescale). It is the
// identity outside training.
func dropPath(ctx *context.Context, x *Node, rate float64) *Node {
	g := x.Graph()
	if rate <= 0 || !ctx.IsTraining(g) {
		return x
	}
	keep := 1 - rate
	maskDims := make([]int, x.Rank())
	for i := range maskDims {
		maskDims[i] = 1
	}
	maskDims[0] = x.Shape().Dimensions[0]
	u := ctx.RandomUniform(g, shapes.Make(dtypes.Float32, maskDims...))
	mask := ConvertDType(LessThan(u, Scalar(g, dtypes.Float32, keep)), x.DType())
	return Mul(x, MulScalar(mask, 1/keep))
}
