package optim

// Gradient accumulation: an optimizer step over n micro-batches, for an
// effective batch larger than a device holds. Two graphs share the state:
// Accumulate (the first n-1 micro-batches: add the gradient to an
// accumulator, weights untouched) and StepAccumulated (the last one: add,
// then update with the mean and zero the accumulators). Two graphs rather
// than one with a flag input, because a flag would leave Step's state
// updates (step counter, moments, EMA) to be undone by a Where on every
// variable, and would run the whole update on every micro-batch.

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// AccumKind is the state kind of the gradient accumulators: the one of a
// variable lives in Scope+"/"+AccumKind+variable scope, under its name. They
// are zero between optimizer steps, so checkpoints (taken between them)
// carry zeros and a resumed run needs nothing else.
const AccumKind = "accum"

// accumulated builds loss's gradient with respect to every trainable
// variable plus what its accumulator holds; it returns the variables, their
// value nodes, the accumulators and the sums (the accumulators are not set).
func accumulated(ctx *context.Context, loss *Node) (vars []*context.Variable, values []*Node, accs []*context.Variable, sums []*Node) {
	g := loss.Graph()
	vars = Trainable(ctx)
	if len(vars) == 0 {
		panic("optim: no trainable variables")
	}
	values = make([]*Node, len(vars))
	for i, v := range vars {
		values[i] = v.ValueGraph(g)
	}
	grads := Gradient(loss, values...)
	state := ctx.Checked(false).InAbsPath(Scope)
	accs = make([]*context.Variable, len(vars))
	sums = make([]*Node, len(vars))
	for i, v := range vars {
		accs[i] = moment(state, AccumKind, v)
		sums[i] = Add(accs[i].ValueGraph(g), grads[i])
	}
	return vars, values, accs, sums
}

// Accumulate builds, in loss's graph, the first micro-batches of an
// accumulated step: loss's gradients are added to the accumulators and
// nothing else changes (no weight, step counter or moment). loss must be
// the mean over the micro-batch, like Step's.
func Accumulate(ctx *context.Context, loss *Node) {
	_, _, accs, sums := accumulated(ctx, loss)
	for i, a := range accs {
		a.SetValueGraph(sums[i])
	}
}

// StepAccumulated builds, in loss's graph, the last of n micro-batches of
// one optimizer step: it adds loss's gradients to the accumulators, zeroes
// them, and applies Step with their mean, which equals the gradient of the
// mean loss over the n micro-batches (the effective batch) when each loss
// is its micro-batch's mean. Step sees that mean through the surrogate loss
// sum_i <stop_gradient(mean_i), w_i>, whose gradient with respect to w_i is
// exactly mean_i, so clipping, moments, weight decay, the schedule and the
// EMA are Step's own, counted once per optimizer step. The outputs (learning
// rate, norm of the mean gradient) are Step's.
func (o AdamW) StepAccumulated(ctx *context.Context, loss *Node, n int) Outputs {
	_, values, accs, sums := accumulated(ctx, loss)
	var surrogate *Node
	for i, a := range accs {
		mean := DivScalar(sums[i], float64(max(n, 1)))
		a.SetValueGraph(ZerosLike(mean))
		term := ReduceAllSum(Mul(StopGradient(mean), values[i]))
		if surrogate == nil {
			surrogate = term
		} else {
			surrogate = Add(surrogate, term)
		}
	}
	return o.Step(ctx, surrogate)
}
