package swinv2

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// The kit's shared layers (fgia/nn: Linear through fgia/gemm's matmul gradients, GELU,
// DropPath) cover the rest; Swin-V2 needs these two besides.

// constantInit fills a variable with value (Swin-V2 starts logit_scale at log(10)).
func constantInit(value float64) context.VariableInitializer {
	return func(g *Graph, shape shapes.Shape) *Node {
		return BroadcastToDims(ConstAsDType(g, shape.DType, value), shape.Dimensions...)
	}
}

// layerNorm normalises the last axis with a learned "gain" and "offset", as fgia/nn.LayerNorm,
// except that zeroGain starts the gain at 0: Swin-V2 does that for its res-post-norms so that
// every block starts as the identity.
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
	y := Div(centred, Sqrt(AddScalar(variance, eps))) // Sqrt and Div: GoMLX v0.26 has no gradient for Rsqrt
	return Add(Mul(y, ExpandLeftToRank(gain, x.Rank())), ExpandLeftToRank(offset, x.Rank()))
}
