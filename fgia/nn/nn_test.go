package nn

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/backend"
)

// TestSoftmaxLastMatchesGoMLX compares the explicit-broadcast softmax and its
// gradient with GoMLX's own.
func TestSoftmaxLastMatchesGoMLX(t *testing.T) {
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	x := [][][]float32{{{1, 2, 3}, {-1, 0, 5}}, {{0.5, 0.5, 0.5}, {10, -10, 0}}}
	out := MustNewExec(b, func(x *Node) []*Node {
		w := Sin(IotaFull(x.Graph(), x.Shape()))
		mine, theirs := SoftmaxLast(x), goMLXSoftmax(x)
		return []*Node{mine, theirs,
			Gradient(ReduceAllSum(Mul(mine, w)), x)[0], Gradient(ReduceAllSum(Mul(theirs, w)), x)[0]}
	}).MustExec(x)
	for _, pair := range [][2]int{{0, 1}, {2, 3}} {
		a, c := out[pair[0]].Value().([][][]float32), out[pair[1]].Value().([][][]float32)
		for i := range a {
			for j := range a[i] {
				for k := range a[i][j] {
					if math.Abs(float64(a[i][j][k]-c[i][j][k])) > 1e-6 {
						t.Fatalf("output %d at %d,%d,%d: %g vs GoMLX %g", pair[0], i, j, k, a[i][j][k], c[i][j][k])
					}
				}
			}
		}
	}
}

func goMLXSoftmax(x *Node) *Node { return graph.Softmax(x, -1) }

// TestNormalizedLinearMatchesLayerNorm checks that folding a LayerNorm's gain
// and offset into the next Linear gives Linear(LayerNorm(x)) and the same
// gradients for x and every variable.
func TestNormalizedLinearMatchesLayerNorm(t *testing.T) {
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(3))
	x := make([]float32, 2*5*6)
	for i := range x {
		x[i] = float32((i*13)%7-3) / 3
	}
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) []*Node {
		g := x.Graph()
		n := Normalize(ctx.In("norm"), x, 1e-5)
		// Give gain and offset values other than their 1 and 0 start.
		n.Gain = Add(n.Gain, Sin(IotaFull(g, n.Gain.Shape())))
		n.Offset = Add(n.Offset, Cos(IotaFull(g, n.Offset.Shape())))
		folded := n.Linear(ctx.In("fc"), true, 2, 4)
		plain := Linear(ctx.In("fc"), n.Apply(), true, 2, 4)
		w := Sin(IotaFull(g, folded.Shape()))
		var wrt []*Node
		wrt = append(wrt, x)
		for v := range ctx.IterVariables() {
			wrt = append(wrt, v.ValueGraph(g))
		}
		out := []*Node{folded, plain}
		out = append(out, Gradient(ReduceAllSum(Mul(folded, w)), wrt...)...)
		return append(out, Gradient(ReduceAllSum(Mul(plain, w)), wrt...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := e.MustExec(tensors.FromFlatDataAndDimensions(x, 2, 5, 6))
	k := (len(out) - 2) / 2
	if k != 5 { // x, gain, offset, weights, biases
		t.Fatalf("%d gradients, want 5", k)
	}
	pairs := [][2]*tensors.Tensor{{out[0], out[1]}}
	for i := 0; i < k; i++ {
		pairs = append(pairs, [2]*tensors.Tensor{out[2+i], out[2+k+i]})
	}
	for p, pair := range pairs {
		got, _ := tensors.CopyFlatData[float32](pair[0])
		want, _ := tensors.CopyFlatData[float32](pair[1])
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("output %d [%d]: folded %g, LayerNorm then Linear %g", p, i, got[i], want[i])
			}
		}
	}
}
