package gemm

import "slices"

// On XLA's CPU plugin a DotGeneral runs as a library matmul (YNNPACK in the
// plugin the kit installs) that reads its left operand with the contracted
// axes innermost, [batch..., rows, contracted...]; any other layout is
// copied into that one first, by a transposing loop that runs at a fraction
// of memory speed. The right operand may have its contracted axes either
// before or after its other axes. A weight's gradient contracts the batch
// and token axes, which lead both operands, so one of the two is always
// copied: for ViT-S/16's fc2 the activation [3152, 1536] (4.8M values) when
// it is the left operand, against the output gradient [3152, 384] plus a
// transpose of the [384, 1536] result (1.8M values) the other way round.
// In the ViT-S training step that copy alone took about a tenth of the
// time.

// side is one operand of a gradient's product: its dimensions, the axes
// the product contracts and its batch axes; the rest it keeps.
type side struct {
	dims, contracting, batch []int
}

func (s side) kept() []int { return cross(len(s.dims), s.contracting, s.batch) }

func (s side) size(axes []int) int {
	n := 1
	for _, a := range axes {
		n *= s.dims[a]
	}
	return n
}

func (s side) all() []int {
	out := make([]int, len(s.dims))
	for i := range out {
		out[i] = i
	}
	return out
}

// lhsCopy is the number of values XLA copies to use s as a left operand.
func (s side) lhsCopy() int {
	if isIdentity(slices.Concat(s.batch, s.kept(), s.contracting)) {
		return 0
	}
	return s.size(s.all())
}

// rhsCopy is the number of values XLA copies to use s as a right operand.
func (s side) rhsCopy() int {
	if isIdentity(slices.Concat(s.batch, s.contracting, s.kept())) || isIdentity(slices.Concat(s.batch, s.kept(), s.contracting)) {
		return 0
	}
	return s.size(s.all())
}

// otherFirstOnXLA says whether a gradient's product should take the other
// operand as its left side, giving the gradient's axes in otherFirst's
// order, rather than the output gradient v (in vFirst's order): the order
// whose operand copies and final transpose move fewer values; def on a tie.
func otherFirstOnXLA(other, v side, otherFirst, vFirst []int, def bool) bool {
	out := v.size(v.batch) * v.size(v.kept()) * other.size(other.kept()) // the gradient's values
	transpose := func(order []int) int {
		if isIdentity(order) {
			return 0
		}
		return out
	}
	otherLhs := other.lhsCopy() + v.rhsCopy() + transpose(otherFirst)
	vLhs := v.lhsCopy() + other.rhsCopy() + transpose(vFirst)
	if otherLhs == vLhs {
		return def
	}
	return otherLhs < vLhs
}
