package gemm

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestGradientMatchesGoMLX compares, for several axis layouts, the gradient
// built here with GoMLX's own (broadcast-multiply-reduce) gradient.
func TestGradientMatchesGoMLX(t *testing.T) {
	b, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                   string
		lhsDims, rhsDims       []int
		lhsC, lhsB, rhsC, rhsB []int
	}{
		{"matmul", []int{3, 4}, []int{4, 5}, []int{1}, nil, []int{0}, nil},
		{"dense on rank 3", []int{2, 3, 4}, []int{4, 6}, []int{2}, nil, []int{0}, nil},
		{"attention scores", []int{2, 3, 5, 4}, []int{2, 3, 6, 4}, []int{3}, []int{0, 1}, []int{3}, []int{0, 1}},
		{"attention values", []int{2, 3, 5, 6}, []int{2, 3, 6, 4}, []int{3}, []int{0, 1}, []int{2}, []int{0, 1}},
		{"two contracting axes out of order", []int{3, 4, 5}, []int{5, 2, 4}, []int{1, 2}, nil, []int{2, 0}, nil},
		{"batch not leading", []int{4, 2, 3}, []int{3, 2, 5}, []int{2}, []int{1}, []int{0}, []int{1}},
		// The weight's gradient contracts 64*40 rows: cut into pieces on pure Go.
		{"long contraction", []int{64, 40, 4}, []int{4, 3}, []int{2}, nil, []int{0}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lhsT := seq(tc.lhsDims, 0.1)
			rhsT := seq(tc.rhsDims, -0.07)
			grads := func(mine bool) [][]float32 {
				e, err := graph.NewExec(b, func(lhs, rhs *graph.Node) []*graph.Node {
					var out *graph.Node
					if mine {
						out = DotGeneral(lhs, tc.lhsC, tc.lhsB, rhs, tc.rhsC, tc.rhsB)
					} else {
						out = graph.DotGeneral(lhs, tc.lhsC, tc.lhsB, rhs, tc.rhsC, tc.rhsB)
					}
					// A loss that weighs each output differently.
					w := graph.Sin(graph.IotaFull(out.Graph(), out.Shape()))
					loss := graph.ReduceAllSum(graph.Mul(out, w))
					return graph.Gradient(loss, lhs, rhs)
				})
				if err != nil {
					t.Fatal(err)
				}
				res, err := e.Exec(lhsT, rhsT)
				if err != nil {
					t.Fatal(err)
				}
				return [][]float32{flat(res[0]), flat(res[1])}
			}
			before := gemmVJPs
			want, got := grads(false), grads(true)
			if gemmVJPs != before+1 {
				t.Fatalf("the gemm gradient was used %d times, want once", gemmVJPs-before)
			}
			for k := range want {
				if len(want[k]) != len(got[k]) {
					t.Fatalf("gradient %d: %d values, want %d", k, len(got[k]), len(want[k]))
				}
				for i := range want[k] {
					if math.Abs(float64(want[k][i]-got[k][i])) > 1e-4*(1+math.Abs(float64(want[k][i]))) {
						t.Fatalf("gradient %d[%d] = %g, want %g", k, i, got[k][i], want[k][i])
					}
				}
			}
		})
	}
}

// TestSumLast compares SumLast and its gradient with ReduceSum's.
func TestSumLast(t *testing.T) {
	b, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, dims := range [][]int{{7}, {3, 5}, {2, 3, 4}, {2, 3, 2, 6}} {
		x := seq(dims, 0.3)
		run := func(mine bool) [][]float32 {
			e := graph.MustNewExec(b, func(x *graph.Node) []*graph.Node {
				var s *graph.Node
				if mine {
					s = SumLast(x)
				} else {
					s = graph.ReduceSum(x, -1)
				}
				w := graph.Cos(graph.IotaFull(x.Graph(), s.Shape()))
				return []*graph.Node{s, graph.Gradient(graph.ReduceAllSum(graph.Mul(graph.Square(s), w)), x)[0]}
			})
			res := e.MustExec(x)
			return [][]float32{flat(res[0]), flat(res[1])}
		}
		want, got := run(false), run(true)
		for k := range want {
			for i := range want[k] {
				if math.Abs(float64(want[k][i]-got[k][i])) > 1e-5*(1+math.Abs(float64(want[k][i]))) {
					t.Fatalf("%v: output %d[%d] = %g, want %g", dims, k, i, got[k][i], want[k][i])
				}
			}
		}
	}
}

func seq(dims []int, scale float32) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = scale * float32((i*7)%11-5)
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

func flat(t *tensors.Tensor) []float32 {
	var out []float32
	t.ConstFlatData(func(flat any) { out = append(out, flat.([]float32)...) })
	return out
}

func ExampleDense() {
	b, _ := backends.NewWithConfig("go")
	e := graph.MustNewExec(b, func(x, w *graph.Node) *graph.Node { return Dense(x, w) })
	out := e.MustExec([][]float32{{1, 2}}, [][]float32{{1, 0, 1}, {0, 1, 1}})[0]
	fmt.Println(out.Value())
	// Output: [[1 2 3]]
}
