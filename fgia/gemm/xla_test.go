package gemm_test

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/fgia/fgia/fgia/gemm"
	"github.com/fgia/fgia/fgia/internal/xlacpu"
)

// TestGradientOnXLAMatchesGoMLX compares, on XLA's CPU plugin, the gemm
// gradient with GoMLX's own for the layouts whose product order is chosen
// by size there (a weight wider at its input than at its output, and the
// reverse) and for attention's batched products. Both gradients are built
// in one graph, which returns their largest relative difference.
func TestGradientOnXLAMatchesGoMLX(t *testing.T) {
	b := xlacpu.Devices(t, 1)
	for _, tc := range []struct {
		name                   string
		lhsDims, rhsDims       []int
		lhsC, lhsB, rhsC, rhsB []int
	}{
		{"dense, wide input", []int{2, 5, 12}, []int{12, 3}, []int{2}, nil, []int{0}, nil},
		{"dense, wide output", []int{2, 5, 3}, []int{3, 12}, []int{2}, nil, []int{0}, nil},
		{"dense into heads", []int{2, 5, 6}, []int{6, 2, 3}, []int{2}, nil, []int{0}, nil},
		{"attention scores", []int{2, 5, 3, 4}, []int{2, 5, 3, 4}, []int{3}, []int{0, 2}, []int{3}, []int{0, 2}},
		{"attention values", []int{2, 3, 5, 5}, []int{2, 5, 3, 4}, []int{3}, []int{0, 1}, []int{1}, []int{0, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := NewExec(b, func(g *Graph) *Node {
				input := func(dims []int, scale float64) *Node {
					return MulScalar(Sin(IotaFull(g, shapes.Make(dtypes.Float32, dims...))), scale)
				}
				lhs, rhs := input(tc.lhsDims, 0.5), input(tc.rhsDims, -0.3)
				grads := func(dot func(lhs *Node, lhsC, lhsB []int, rhs *Node, rhsC, rhsB []int) *Node) []*Node {
					out := dot(lhs, tc.lhsC, tc.lhsB, rhs, tc.rhsC, tc.rhsB)
					w := Cos(IotaFull(g, out.Shape())) // weighs each output differently
					return Gradient(ReduceAllSum(Mul(out, w)), lhs, rhs)
				}
				want, got := grads(DotGeneral), grads(gemm.DotGeneral)
				var worst *Node
				for k := range want {
					d := ReduceAllMax(Div(Abs(Sub(got[k], want[k])), OnePlus(Abs(want[k]))))
					if worst == nil {
						worst = d
					} else {
						worst = Max(worst, d)
					}
				}
				return worst
			})
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Exec()
			if err != nil {
				t.Fatal(err)
			}
			if d := res[0].Value().(float32); d > 1e-5 {
				t.Errorf("gemm gradient differs from GoMLX's by %g (relative)", d)
			}
		})
	}
}
