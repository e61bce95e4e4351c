package optim

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/nn"
)

// Two optimizer steps over 2 micro-batches of 2 rows (Accumulate, then
// StepAccumulated) leave every variable (weights, moments, EMA, step
// counter) where two plain Steps over the 4-row batches leave it, with
// clipping on so that the norm is the mean gradient's.
func TestAccumulatedStepMatchesWholeBatch(t *testing.T) {
	b, _ := backend.NewWithConfig(backend.PureGo)
	o := DefaultAdamW(Schedule{LR: 0.05, MinLR: 0.01, WarmupFrom: 0.5, WarmupSteps: 1, TotalSteps: 4})
	o.ClipNorm, o.EMA = 0.5, 0.9
	mse := func(ctx *context.Context, x, y *Node) *Node {
		return ReduceAllMean(Square(Sub(nn.Linear(ctx.In("fc"), x, true, 2), y)))
	}
	x := [][]float32{{1, 2, 0}, {3, -1, 1}, {0, 1, 2}, {-2, 1, 1}}
	y := [][]float32{{1, 0}, {0, 1}, {1, 1}, {-1, 0}}

	whole := context.New().Checked(false)
	whole.SetParam(context.ParamInitialSeed, int64(7))
	step := context.MustNewExec(b, whole, func(ctx *context.Context, x, y *Node) []*Node {
		out := o.Step(ctx, mse(ctx, x, y))
		return []*Node{out.LR, out.GradNorm}
	})
	micro := context.New().Checked(false)
	micro.SetParam(context.ParamInitialSeed, int64(7))
	acc := context.MustNewExec(b, micro, func(ctx *context.Context, x, y *Node) *Node {
		l := mse(ctx, x, y)
		Accumulate(ctx, l)
		return l
	})
	apply := context.MustNewExec(b, micro, func(ctx *context.Context, x, y *Node) []*Node {
		out := o.StepAccumulated(ctx, mse(ctx, x, y), 2)
		return []*Node{out.LR, out.GradNorm}
	})
	for s := range 2 {
		w := step.MustExec(x, y)
		acc.MustExec(x[:2], y[:2])
		m := apply.MustExec(x[2:], y[2:])
		for i, name := range []string{"lr", "grad norm"} {
			a, b := w[i].Value().(float32), m[i].Value().(float32)
			if math.Abs(float64(a-b)) > 1e-5*math.Abs(float64(a)) {
				t.Errorf("step %d: %s %g whole, %g accumulated", s, name, a, b)
			}
		}
	}
	n := 0
	for v := range whole.IterVariables() {
		if v.Scope() == "/" { // the initialisers' random state
			continue
		}
		n++
		mv := micro.InspectVariable(v.Scope(), v.Name())
		if mv == nil {
			t.Errorf("%s missing from the accumulated run", v.ScopeAndName())
			continue
		}
		want, got := tensors.MustCopyFlatData[float32](v.MustValue()), tensors.MustCopyFlatData[float32](mv.MustValue())
		for i := range want {
			if math.Abs(float64(want[i]-got[i])) > 1e-5 {
				t.Errorf("%s[%d]: whole %g, accumulated %g", v.ScopeAndName(), i, want[i], got[i])
				break
			}
		}
	}
	if n < 7 { // weights, biases, their m, v and EMA, the step counter
		t.Errorf("compared %d variables", n)
	}
	for v := range micro.IterVariables() {
		if strings.HasPrefix(v.Scope(), Scope+"/"+AccumKind) {
			for _, x := range tensors.MustCopyFlatData[float32](v.MustValue()) {
				if x != 0 {
					t.Errorf("accumulator %s not zero after the step", v.ScopeAndName())
					break
				}
			}
		}
	}
}
