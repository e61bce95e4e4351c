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
package gemm

import (
	"slices"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// axes are the contracting and batch axes of one DotGeneral node.
type axes struct {
	lhsContracting, lhsBatch, rhsContracting, rhsBatch []int
}

var (
	mu       sync.Mutex
	recorded = map[*graph.Node]axes{}
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

// DotGeneral is graph.DotGeneral with a gemm-based gradient. The output's
// axes are the batch axes, then lhs's remaining axes, then rhs's remaining
// axes, each in their original order.
func DotGeneral(lhs *graph.Node, lhsContracting, lhsBatch []int, rhs *graph.Node, rhsContracting, rhsBatch []int) *graph.Node {
	a := axes{adjust(lhs.Rank(), lhsContracting), adjust(lhs.Rank(), lhsBatch), adjust(rhs.Rank(), rhsContracting), adjust(rhs.Rank(), rhsBatch)}
	out := graph.DotGeneral(lhs, a.lhsContracting, a.lhsBatch, rhs, a.rhsContracting, a.rhsBatch)
	mu.Lock()
	recorded[out] = a
	mu.Unlock()
	return out
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
	return []*graph.Node{
		operandGrad(v, lhs.Rank(), a.lhsContracting, a.lhsBatch, rhs, a.rhsContracting, a.rhsBatch, true),
		operandGrad(v, rhs.Rank(), a.rhsContracting, a.rhsBatch, lhs, a.lhsContracting, a.lhsBatch, false),
	}
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
	g := DotGeneral(v, vOther, vBatch, other, otherCross, otherBatch)
	// g's axes: [batch..., thisCross..., other's contracting axes in other's
	// order]. Say which axis of this operand each one is.
	source := make([]int, 0, thisRank) // source[p] = this operand's axis at g's position p
	source = append(source, thisBatch...)
	source = append(source, thisCross...)
	for i := 0; i < other.Rank(); i++ {
		if k := slices.Index(otherContracting, i); k >= 0 {
			source = append(source, thisContracting[k])
		}
	}
	perm := make([]int, thisRank) // output axis a takes g's axis perm[a]
	identity := true
	for p, axis := range source {
		perm[axis] = p
		identity = identity && p == axis
	}
	if identity {
		return g
	}
	return graph.TransposeAllAxes(g, perm...)
}
