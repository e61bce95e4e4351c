// Package gemm gives DotGeneral a gradient made of matrix multiplications.
//
// GoMLX v0.26.0 differentiates DotGeneral by broadcasting the incoming
// gradient against the other operand, multiplying and reducing: a tensor of
// [batch, lhs-cross, rhs-cross, contracting] is materialised for every matmul,
// which both backends execute literally (memory-bound, several times slower
// training). The gradient of a matmul is itself two matmuls; this package
// builds exactly those.
//
// Use DotGeneral (or Dense, BatchedMatMul) from here instead of graph.DotGeneral
// in models: the package records the axes of each node it builds and registers
// a VJP for DotGeneral nodes that uses them. DotGeneral nodes built elsewhere
// keep GoMLX's own gradient.
//
// On the pure-Go backend (simplego) the gradients' long contractions are cut
// into batched pieces (see contract), and SumLast sums over the last axis
// with its matmul kernel rather than its much slower ReduceSum.
//
// Mixed precision: WithCompute builds part of a graph (a backbone) with its
// float32 products computed in bfloat16 — operands converted, the product
// taken in bf16, the result converted back — while everything else (the
// variables, their gradients, norms, softmax, a head, the loss) stays
// float32. GoMLX v0.26 has no automatic mixed precision, and the choice must
// be per matmul (a head opts out), so it is made here, where every matmul of
// the kit is built.
package gemm

import (
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// PureGo says whether g runs on GoMLX's pure-Go backend (simplego), for
// which some graphs are shaped differently than for XLA.
func PureGo(g *graph.Graph) bool {
	_, ok := g.Backend().(*simplego.Backend)
	return ok
}

// axes are the contracting and batch axes of one DotGeneral node.
type axes struct {
	lhsContracting, lhsBatch, rhsContracting, rhsBatch []int
	sumLast                                            bool // built by SumLast: rhs is a constant vector of ones
}

var (
	mu       sync.Mutex
	recorded = map[*graph.Node]axes{}
	compute  = map[*graph.Graph]dtypes.DType{} // set by WithCompute while it builds; absent: float32
	original graph.VJP
	gemmVJPs int // gradients built here (tests check the override is in use)
)

func init() {
	original = graph.VJPRegistration[graph.NodeTypeDotGeneral]
	graph.VJPRegistration[graph.NodeTypeDotGeneral] = vjp
}

func adjust(rank int, list []int) []int {
	out := make([]int, len(list))
	for i, a := range list {
		if a < 0 {
			a += rank
		}
		out[i] = a
	}
	return out
}

// WithCompute calls build and returns its result, with the float32 products
// this package builds in g meanwhile computed in dtype (dtypes.BFloat16 for
// mixed precision; dtypes.Float32 builds them as they are, which is how a
// part of the graph inside another WithCompute opts out). Calls nest; the
// previous setting comes back when build returns or panics.
//
// The setting belongs to the graph and to the time build runs, not to a
// context scope, because not every matmul is built with a context at hand
// (attention products); graph building is single-threaded per graph, so it
// is well defined. Gradients are built later, outside it: a product built
// in bf16 differentiates in bf16 by itself (its operands are bf16), and the
// gradient reaching a float32 variable is widened back by ConvertDType's
// VJP.
func WithCompute[T any](g *graph.Graph, dtype dtypes.DType, build func() T) T {
	mu.Lock()
	prev, had := compute[g]
	compute[g] = dtype
	mu.Unlock()
	defer func() {
		mu.Lock()
		if had {
			compute[g] = prev
		} else {
			delete(compute, g)
		}
		mu.Unlock()
	}()
	return build()
}

// ComputeDType is the dtype float32 products built in g now are computed in
// (see WithCompute): float32 outside any WithCompute.
func ComputeDType(g *graph.Graph) dtypes.DType {
	mu.Lock()
	defer mu.Unlock()
	if dt, ok := compute[g]; ok {
		return dt
	}
	return dtypes.Float32
}

// DotGeneral is graph.DotGeneral with a gemm-based gradient. The output's
// axes are the batch axes, then lhs's remaining axes, then rhs's remaining
// axes, each in their original order.
//
// Inside WithCompute with a dtype other than float32, a product of two
// float32 operands is taken in that dtype and its result converted back to
// float32, so callers see float32 either way. The inner product is the
// recorded node, so its gradient is this package's too.
func DotGeneral(lhs *graph.Node, lhsContracting, lhsBatch []int, rhs *graph.Node, rhsContracting, rhsBatch []int) *graph.Node {
	if dt := ComputeDType(lhs.Graph()); dt != dtypes.Float32 && lhs.DType() == dtypes.Float32 && rhs.DType() == dtypes.Float32 {
		out := dotGeneral(graph.ConvertDType(lhs, dt), lhsContracting, lhsBatch, graph.ConvertDType(rhs, dt), rhsContracting, rhsBatch)
		return graph.ConvertDType(out, dtypes.Float32)
	}
	return dotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
}

// dotGeneral builds the product as it is and records its axes for vjp.
func dotGeneral(lhs *graph.Node, lhsContracting, lhsBatch []int, rhs *graph.Node, rhsContracting, rhsBatch []int) *graph.Node {
	a := axes{lhsContracting: adjust(lhs.Rank(), lhsContracting), lhsBatch: adjust(lhs.Rank(), lhsBatch), rhsContracting: adjust(rhs.Rank(), rhsContracting), rhsBatch: adjust(rhs.Rank(), rhsBatch)}
	out := graph.DotGeneral(lhs, a.lhsContracting, a.lhsBatch, rhs, a.rhsContracting, a.rhsBatch)
	mu.Lock()
	recorded[out] = a
	mu.Unlock()
	return out
}

// SumLast sums x over its last axis. On the pure-Go backend it is a product
// with a constant of ones: simplego's ReduceSum walks a generic per-element
// index iterator (backends/simplego/exec_special_ops.go,
// reduceOutputIterator), measured at ~3.2 ns per element here, while its
// small-matrix DotGeneral kernel (dotgeneral_small.go) sums the same
// contiguous rows at ~0.6 ns per element. simplego sends a product whose
// per-example cross sizes multiply to more than 16384 (float32) to its
// blocked kernel instead (execDotGeneral in dotgeneral.go), which would pad
// the single column of ones to a 32-wide block; so the first axis of x is
// made a batch axis (the ones are then [first axis, last axis]), keeping the
// cross size to the middle axes. The gradient is a broadcast, as
// ReduceSum's is. XLA gets ReduceSum.
func SumLast(x *graph.Node) *graph.Node {
	dims := x.Shape().Dimensions
	r := len(dims)
	crossSize := 1 // per example of the product
	if r == 2 {
		crossSize = dims[0]
	}
	for i := 1; i < r-1; i++ {
		crossSize *= dims[i]
	}
	if r < 2 || x.DType() != dtypes.Float32 || !PureGo(x.Graph()) || crossSize > smallProblemMax {
		return graph.ReduceSum(x, -1)
	}
	var out *graph.Node
	g := x.Graph()
	if r == 2 {
		out = graph.DotGeneral(x, []int{1}, nil, onesConst(g, dims[1]), []int{0}, nil)
	} else {
		out = graph.DotGeneral(x, []int{r - 1}, []int{0}, onesConst(g, dims[0], dims[r-1]), []int{1}, []int{0})
	}
	mu.Lock()
	recorded[out] = axes{sumLast: true}
	mu.Unlock()
	return out
}

// smallProblemMax is the largest product of per-example cross sizes that
// simplego v0.26 multiplies with its small-matrix kernel (16 blocks of 32x32
// float32 values: execDotGeneral in backends/simplego/dotgeneral.go).
const smallProblemMax = 16 * 32 * 32

// onesConst is a float32 constant of ones, stored once in the compiled graph
// (graph.Ones would broadcast a scalar at every execution).
func onesConst(g *graph.Graph, dims ...int) *graph.Node {
	n := 1
	for _, d := range dims {
		n *= d
	}
	ones := make([]float32, n)
	for i := range ones {
		ones[i] = 1
	}
	return graph.ConstTensor(g, tensors.FromFlatDataAndDimensions(ones, dims...))
}

// Dense multiplies the last axis of x by the first axis of w ([in, out...]).
func Dense(x, w *graph.Node) *graph.Node {
	return DotGeneral(x, []int{-1}, nil, w, []int{0}, nil)
}

// BatchedMatMul multiplies a [..., m, k] by b [..., k, n] (or [..., n, k] when
// transposeB), the leading axes being batch axes.
func BatchedMatMul(a, b *graph.Node, transposeB bool) *graph.Node {
	r := a.Rank()
	batch := make([]int, r-2)
	for i := range batch {
		batch[i] = i
	}
	bContract := r - 2
	if transposeB {
		bContract = r - 1
	}
	return DotGeneral(a, []int{r - 1}, batch, b, []int{bContract}, batch)
}

// Forget drops the axes recorded for nodes of g, once g will not be
// differentiated again (a compiled graph). Without it the records of a
// graph live as long as the process, which is fine for the few graphs a
// training run builds.
func Forget(g *graph.Graph) {
	mu.Lock()
	defer mu.Unlock()
	for n := range recorded {
		if n.Graph() == g {
			delete(recorded, n)
		}
	}
}

func vjp(node *graph.Node, vjpOutputs []*graph.Node, outputShape shapes.Shape) []*graph.Node {
	mu.Lock()
	a, ok := recorded[node]
	if ok {
		gemmVJPs++
	}
	mu.Unlock()
	if !ok {
		return original(node, vjpOutputs, outputShape)
	}
	in := node.Inputs()
	lhs, rhs, v := in[0], in[1], vjpOutputs[0]
	if a.sumLast {
		return []*graph.Node{graph.BroadcastToShape(graph.ExpandAxes(v, -1), lhs.Shape()), graph.ZerosLike(rhs)}
	}
	// A gradient's products take the forward product's dtype, even when the
	// gradient is built inside a WithCompute: a float32 head keeps float32
	// gradients, and a bf16 product's are bf16 already.
	return WithCompute(node.Graph(), dtypes.Float32, func() []*graph.Node {
		return []*graph.Node{
			operandGrad(v, lhs.Rank(), a.lhsContracting, a.lhsBatch, rhs, a.rhsContracting, a.rhsBatch, true),
			operandGrad(v, rhs.Rank(), a.rhsContracting, a.rhsBatch, lhs, a.lhsContracting, a.lhsBatch, false),
		}
	})
}

// cross lists the axes of a rank-r operand that are neither contracting nor
// batch, in order.
func cross(rank int, contracting, batch []int) []int {
	var out []int
	for i := 0; i < rank; i++ {
		if !slices.Contains(contracting, i) && !slices.Contains(batch, i) {
			out = append(out, i)
		}
	}
	return out
}

// operandGrad computes the gradient with respect to "this" operand (of rank
// thisRank) from the output gradient v and the other operand: contract v's
// axes that came from the other operand with the other operand's cross axes,
// batching over the batch axes, then transpose into this operand's layout.
// thisIsLhs says whose cross axes come first in v.
func operandGrad(v *graph.Node, thisRank int, thisContracting, thisBatch []int, other *graph.Node, otherContracting, otherBatch []int, thisIsLhs bool) *graph.Node {
	nb := len(thisBatch)
	thisCross := cross(thisRank, thisContracting, thisBatch)
	otherCross := cross(other.Rank(), otherContracting, otherBatch)
	// v's axes: [batch..., lhsCross..., rhsCross...].
	vBatch := make([]int, nb)
	for i := range vBatch {
		vBatch[i] = i
	}
	start := nb // where the other operand's cross axes are in v
	if thisIsLhs {
		start += len(thisCross)
	}
	vOther := make([]int, len(otherCross))
	for i := range vOther {
		vOther[i] = start + i
	}
	// Which axis of this operand each axis of the product is: batch axes,
	// then this operand's cross axes (from v), then its contracting axes
	// (from the other operand's, in the other operand's order).
	fromOther := make([]int, 0, len(thisContracting))
	for i := 0; i < other.Rank(); i++ {
		if k := slices.Index(otherContracting, i); k >= 0 {
			fromOther = append(fromOther, thisContracting[k])
		}
	}
	vFirst := slices.Concat(thisBatch, thisCross, fromOther)
	otherFirst := slices.Concat(thisBatch, fromOther, thisCross)
	// Put the operand whose order needs no transpose first (a weight's
	// gradient [in, out] comes out as other·v, an input's as v·other); on
	// XLA, the order that moves fewer values (see otherFirstOnXLA).
	otherLhs := isIdentity(otherFirst) && !isIdentity(vFirst)
	if !PureGo(v.Graph()) {
		otherLhs = otherFirstOnXLA(side{other.Shape().Dimensions, otherCross, otherBatch},
			side{v.Shape().Dimensions, vOther, vBatch}, otherFirst, vFirst, otherLhs)
	}
	var g *graph.Node
	source := vFirst
	if otherLhs {
		source = otherFirst
		g = contract(other, otherCross, otherBatch, v, vOther, vBatch)
	} else {
		g = contract(v, vOther, vBatch, other, otherCross, otherBatch)
	}
	if isIdentity(source) {
		return g
	}
	perm := make([]int, thisRank) // output axis a takes g's axis perm[a]
	for p, axis := range source {
		perm[axis] = p
	}
	return graph.TransposeAllAxes(g, perm...)
}

func isIdentity(axes []int) bool {
	for i, a := range axes {
		if a != i {
			return false
		}
	}
	return true
}

// Chunking of long contractions (see contract).
const (
	maxChunks        = 8   // pieces a long contraction is cut into
	minChunkContract = 256 // contracted elements a piece keeps at least
	minChunkedSize   = 2048
)

// contract is DotGeneral for a gradient. On the pure-Go backend, a product
// without batch axes whose contraction is long — a weight's gradient, which
// sums over every token of the batch — would run simplego's small-matrix
// kernel on a single goroutine (it parallelises over batch examples only,
// backends/simplego/dotgeneral_small.go) or its blocked kernel with the
// contraction split serially (dotgeneral_large.go). Cutting the first
// contracted axis into up to maxChunks pieces made into a batch axis, then
// summing the pieces' products, spreads the same work over the cores
// (measured: the [6400,64]ᵀ·[6400,64] weight gradient went from ~4 to ~6.5
// GFLOP/s of wall time on 2 idle cores, at the same CPU time), which helps
// when nothing else in the graph is ready to run beside it. XLA
// parallelises such products itself and gets the plain form.
func contract(lhs *graph.Node, lhsContracting, lhsBatch []int, rhs *graph.Node, rhsContracting, rhsBatch []int) *graph.Node {
	if len(lhsBatch) > 0 || len(lhsContracting) == 0 || !PureGo(lhs.Graph()) {
		return DotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
	}
	size := 1
	for _, a := range lhsContracting {
		size *= lhs.Shape().Dimensions[a]
	}
	la, ra := lhsContracting[0], rhsContracting[0]
	d := lhs.Shape().Dimensions[la]
	chunks := 0
	if size >= minChunkedSize {
		for s := maxChunks; s >= 2; s-- {
			if d%s == 0 && size/s >= minChunkContract {
				chunks = s
				break
			}
		}
	}
	if chunks == 0 {
		return DotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
	}
	lhs2, lc := splitAxis(lhs, la, chunks, lhsContracting)
	rhs2, rc := splitAxis(rhs, ra, chunks, rhsContracting)
	pieces := DotGeneral(lhs2, lc, []int{la}, rhs2, rc, []int{ra})
	if dt := pieces.DType(); dt == dtypes.BFloat16 || dt == dtypes.Float16 {
		// Each piece was accumulated in float32 by simplego; adding them in
		// 16 bits would round once more per piece.
		return graph.ConvertDType(graph.ReduceSum(graph.ConvertDType(pieces, dtypes.Float32), 0), dt)
	}
	return graph.ReduceSum(pieces, 0)
}

// splitAxis reshapes x so that axis becomes [chunks, dim/chunks] and returns
// the contracting axes renumbered: the piece's axis (axis+1) in place of axis.
func splitAxis(x *graph.Node, axis, chunks int, contracting []int) (*graph.Node, []int) {
	dims := x.Shape().Dimensions
	newDims := slices.Concat(dims[:axis], []int{chunks, dims[axis] / chunks}, dims[axis+1:])
	out := make([]int, len(contracting))
	for i, a := range contracting {
		if a >= axis {
			a++
		}
		out[i] = a
	}
	return graph.Reshape(x, newDims...), out
}
