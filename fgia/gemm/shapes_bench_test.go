package gemm_test

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/bench"
)

// vitS16Products are the matrix products of one ViT-S/16-224 block in a
// training step at batch 16 (3,152 tokens, 6 heads of 64; the step has 12
// blocks): the forward products and the weight gradients, whose left
// operand has its contracted (token) axis outermost.
// scripts/gemm_shapes_torch.py times the same list in PyTorch; keep the two
// in step. Each product runs alone, so its speed is that of the library
// doing it (YNNPACK or Eigen in XLA, OpenBLAS in PyTorch), without the rest
// of the step.
var vitS16Products = []struct {
	name      string
	batch     int // independent products (attention: images x heads)
	m, k, n   int
	lhsKMajor bool // the left operand is stored [k, m]: a weight gradient
	rhsNMajor bool // the right operand is stored [n, k]: q times k transposed
}{
	{"qkv", 1, 3152, 384, 1152, false, false},
	{"proj", 1, 3152, 384, 384, false, false},
	{"fc1", 1, 3152, 384, 1536, false, false},
	{"fc2", 1, 3152, 1536, 384, false, false},
	{"scores", 96, 197, 64, 197, false, true},
	{"values", 96, 197, 197, 64, false, false},
	{"fc1_wgrad", 1, 384, 3152, 1536, true, false},
	{"fc2_wgrad", 1, 1536, 3152, 384, true, false},
	{"qkv_wgrad", 1, 384, 3152, 1152, true, false},
}

// BenchmarkDotViTS16 times each ViT-S/16 product on XLA's CPU plugin as
// fgia creates it (its default devices and thread pool) and reports
// GFLOP/s of wall time and CPU seconds per product. Run it pinned to one
// core to compare GEMM libraries, and beside its PyTorch peer:
//
//	taskset -c 0 go test -run XXX -bench DotViTS16 -benchtime 5x ./fgia/gemm
func BenchmarkDotViTS16(b *testing.B) {
	p := backend.FindPlugin()
	if p == "" {
		b.Skip("no XLA CPU plugin installed (make deps)")
	}
	be, err := backend.NewWithConfig("xla:" + p)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Finalize()
	for _, pr := range vitS16Products {
		b.Run(pr.name, func(b *testing.B) {
			lhsDims, lhsC := []int{pr.batch, pr.m, pr.k}, 2
			if pr.lhsKMajor {
				lhsDims, lhsC = []int{pr.batch, pr.k, pr.m}, 1
			}
			rhsDims, rhsC := []int{pr.batch, pr.k, pr.n}, 1
			if pr.rhsNMajor {
				rhsDims, rhsC = []int{pr.batch, pr.n, pr.k}, 2
			}
			e, err := NewExec(be, func(lhs, rhs *Node) *Node {
				return DotGeneral(lhs, []int{lhsC}, []int{0}, rhs, []int{rhsC}, []int{0})
			})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Finalize()
			lhs, rhs := filled(lhsDims), filled(rhsDims)
			run := func() {
				out, err := e.Exec(lhs, rhs)
				if err != nil {
					b.Fatal(err)
				}
				for _, t := range out {
					t.FinalizeAll()
				}
			}
			run() // compiles, and moves the operands to the device once
			b.ResetTimer()
			cpu := bench.ProcessCPU()
			for range b.N {
				run()
			}
			b.StopTimer()
			flop := 2 * float64(pr.batch) * float64(pr.m) * float64(pr.k) * float64(pr.n)
			perOp := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(flop/perOp/1e9, "GFLOP/s")
			b.ReportMetric((bench.ProcessCPU()-cpu).Seconds()/float64(b.N), "cpu_s/op")
		})
	}
}

// filled returns a float32 tensor of the given shape holding small values
// that vary (zeros could take faster paths in some libraries).
func filled(dims []int) *tensors.Tensor {
	t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
	tensors.MutableFlatData(t, func(flat []float32) {
		for i := range flat {
			flat[i] = float32(i%17)*0.01 - 0.08
		}
	})
	return t
}
