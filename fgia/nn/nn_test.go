package nn

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified

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
