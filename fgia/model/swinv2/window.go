package swinv2

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// graphConsts memoises the constant nodes of one graph (index tables, masks), so that the
// blocks of a stage share them instead of each embedding its own copy.
type graphConsts struct {
	g     *Graph
	nodes map[string]*Node
}

func newGraphConsts(g *Graph) *graphConsts { return &graphConsts{g: g, nodes: map[string]*Node{}} }

// get returns the node stored under key, building it with build the first time.
func (gc *graphConsts) get(key string, build func() *Node) *Node {
	if n, ok := gc.nodes[key]; ok {
		return n
	}
	n := build()
	gc.nodes[key] = n
	return n
}

// gatherTokens reorders the tokens of every example: x is [B, L, C] and the result is
// [B, len(perm), C] with out[b, k] = x[b, perm[k]]. It is one Gather on the flattened
// [B*L, C] tensor (whose gradient is a ScatterSum), which simplego can run and differentiate,
// unlike the slice+concatenate of torch.roll. key names perm in the constants cache.
func gatherTokens(gc *graphConsts, x *Node, perm []int32, key string) *Node {
	dims := x.Shape().Dimensions
	b, l, c := dims[0], dims[1], dims[2]
	k := len(perm)
	idx := gc.get(fmt.Sprintf("gather/%s/b%d/l%d", key, b, l), func() *Node {
		base := Reshape(Const(gc.g, perm), 1, k)
		offsets := MulScalar(Iota(gc.g, shapes.Make(dtypes.Int32, b, 1), 0), l)
		return Reshape(Add(base, offsets), b*k, 1)
	})
	out := Gather(Reshape(x, b*l, c), idx)
	return Reshape(out, b, k, c)
}

// partitionWindows cuts x [B, H, W, C] into windows [B, numWindows, N, C] (windows row-major,
// tokens row-major inside each). When shifted, the grid is first rolled by (-shiftH, -shiftW);
// roll and partition are then one fused Gather.
func partitionWindows(gc *graphConsts, x *Node, s stageGeom, shifted bool) *Node {
	dims := x.Shape().Dimensions
	b, c := dims[0], dims[3]
	nh, nw := s.H/s.WinH, s.W/s.WinW
	if !shifted {
		x = Reshape(x, b, nh, s.WinH, nw, s.WinW, c)
		x = TransposeAllAxes(x, 0, 1, 3, 2, 4, 5)
		return Reshape(x, b, nh*nw, s.WinH*s.WinW, c)
	}
	perm := windowOrder(s.H, s.W, s.WinH, s.WinW, s.ShiftH, s.ShiftW)
	key := fmt.Sprintf("partition/%dx%d/w%dx%d/s%dx%d", s.H, s.W, s.WinH, s.WinW, s.ShiftH, s.ShiftW)
	out := gatherTokens(gc, Reshape(x, b, s.H*s.W, c), perm, key)
	return Reshape(out, b, nh*nw, s.WinH*s.WinW, c)
}

// reverseWindows undoes partitionWindows: windows [B, numWindows, N, C] -> [B, H, W, C],
// rolling back by (+shiftH, +shiftW) when shifted.
func reverseWindows(gc *graphConsts, windows *Node, s stageGeom, shifted bool) *Node {
	dims := windows.Shape().Dimensions
	b, c := dims[0], dims[3]
	nh, nw := s.H/s.WinH, s.W/s.WinW
	if !shifted {
		x := Reshape(windows, b, nh, nw, s.WinH, s.WinW, c)
		x = TransposeAllAxes(x, 0, 1, 3, 2, 4, 5)
		return Reshape(x, b, s.H, s.W, c)
	}
	inv := inversePermutation(windowOrder(s.H, s.W, s.WinH, s.WinW, s.ShiftH, s.ShiftW))
	key := fmt.Sprintf("reverse/%dx%d/w%dx%d/s%dx%d", s.H, s.W, s.WinH, s.WinW, s.ShiftH, s.ShiftW)
	out := gatherTokens(gc, Reshape(windows, b, s.H*s.W, c), inv, key)
	return Reshape(out, b, s.H, s.W, c)
}

// shiftMask returns the additive attention mask of the shifted windows, [1, numWindows, 1, N, N]
// (broadcast over batch and heads): 0 within a shift region, maskValue across regions. It is built
// in-graph from the [numWindows, N] region labels, so only O(H*W) integers are embedded rather
// than the O(H*W*N) mask (21 MB at 384 px, window 24).
func shiftMask(gc *graphConsts, s stageGeom, dtype dtypes.DType) *Node {
	key := fmt.Sprintf("mask/%dx%d/w%dx%d/s%dx%d/%s", s.H, s.W, s.WinH, s.WinW, s.ShiftH, s.ShiftW, dtype)
	return gc.get(key, func() *Node {
		n := s.windowArea()
		ids := Reshape(Const(gc.g, shiftRegions(s.H, s.W, s.WinH, s.WinW, s.ShiftH, s.ShiftW)), s.numWindows(), n)
		same := Equal(InsertAxes(ids, -1), InsertAxes(ids, 1)) // [nW, N, N]
		zero := ScalarZero(gc.g, dtype)
		masked := Scalar(gc.g, dtype, maskValue)
		mask := Where(same, zero, masked)
		return Reshape(mask, 1, s.numWindows(), 1, n, n)
	})
}
