package gemm

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/dtypes/bfloat16"
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

// Inside WithCompute(bf16) a float32 product is a bf16 DotGeneral between
// conversions: its values are the product of the bf16-rounded operands,
// rounded to bf16; the caller and the gradients see float32; the gemm
// gradient applies; and a nested WithCompute(float32) opts out.
func TestWithComputeBF16(t *testing.T) {
	b, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	const m, k, n = 4, 8, 3
	xs, ws := make([]float32, m*k), make([]float32, k*n)
	for i := range xs {
		xs[i] = 1 + 0.0013*float32(i) // most are not bf16 numbers
	}
	for i := range ws {
		ws[i] = 0.1 - 0.0071*float32(i)
	}
	x, w := tensors.FromFlatDataAndDimensions(xs, m, k), tensors.FromFlatDataAndDimensions(ws, k, n)
	var dots []dtypes.DType // dtypes of the DotGeneral nodes of the forward graph
	run := func(dt dtypes.DType, optOut bool) [][]float32 {
		e := graph.MustNewExec(b, func(x, w *graph.Node) []*graph.Node {
			g := x.Graph()
			out := WithCompute(g, dt, func() *graph.Node {
				if optOut {
					return WithCompute(g, dtypes.Float32, func() *graph.Node { return Dense(x, w) })
				}
				return Dense(x, w)
			})
			if ComputeDType(g) != dtypes.Float32 {
				t.Errorf("compute dtype %s after WithCompute", ComputeDType(g))
			}
			dots = dots[:0]
			for _, node := range g.Nodes() {
				if node.Type() == graph.NodeTypeDotGeneral {
					dots = append(dots, node.DType())
				}
			}
			loss := graph.ReduceAllSum(graph.Mul(out, graph.Sin(graph.IotaFull(g, out.Shape()))))
			grads := graph.Gradient(loss, x, w)
			for _, v := range append([]*graph.Node{out}, grads...) {
				if v.DType() != dtypes.Float32 {
					t.Errorf("output or gradient of dtype %s", v.DType())
				}
			}
			return append([]*graph.Node{out}, grads...)
		})
		res := e.MustExec(x, w)
		return [][]float32{flat(res[0]), flat(res[1]), flat(res[2])}
	}
	f32 := run(dtypes.Float32, false)
	before := gemmVJPs
	b16 := run(dtypes.BFloat16, false)
	if gemmVJPs != before+1 {
		t.Errorf("the gemm gradient was used %d times for the bf16 product, want once", gemmVJPs-before)
	}
	if len(dots) != 1 || dots[0] != dtypes.BFloat16 {
		t.Errorf("forward DotGenerals %v, want one bf16", dots)
	}
	round := func(v float32) float64 { return float64(bfloat16.FromFloat32(v).Float32()) }
	differs := false
	for i := range m {
		for j := range n {
			var ref float64
			for l := range k {
				ref += round(xs[i*k+l]) * round(ws[l*n+j])
			}
			ref = round(float32(ref))
			got := float64(b16[0][i*n+j])
			if math.Abs(got-ref) > 1e-6+math.Abs(ref)/256 { // one bf16 ulp
				t.Errorf("bf16 product [%d,%d] = %g, want %g", i, j, got, ref)
			}
			differs = differs || got != float64(f32[0][i*n+j])
		}
	}
	if !differs {
		t.Error("bf16 product equals the float32 one: no rounding happened")
	}
	for g := 1; g < 3; g++ { // gradients: bf16-rounded, close to float32's
		for i, want := range f32[g] {
			if d := math.Abs(float64(b16[g][i] - want)); d > 0.02*(1+math.Abs(float64(want))) {
				t.Errorf("gradient %d[%d] = %g, float32 %g", g, i, b16[g][i], want)
			}
		}
	}
	if out := run(dtypes.BFloat16, true); len(dots) != 1 || dots[0] != dtypes.Float32 || out[0][0] != f32[0][0] {
		t.Errorf("WithCompute(float32) inside bf16: DotGenerals %v, value %g want %g", dots, out[0][0], f32[0][0])
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
