package optim

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/nn"
)

func TestScheduleHostAndGraphAgree(t *testing.T) {
	s := Schedule{LR: 1e-3, MinLR: 1e-6, WarmupFrom: 1e-4, WarmupSteps: 10, TotalSteps: 50}
	b, _ := backend.NewWithConfig(backend.PureGo)
	e := MustNewExec(b, func(step *Node) *Node { return s.graph(step) })
	for _, step := range []int{0, 1, 5, 9, 10, 11, 30, 49, 50, 80} {
		got := float64(e.MustExec(float32(step))[0].Value().(float32))
		if want := s.At(step); math.Abs(got-want) > 1e-6*want+1e-9 {
			t.Errorf("step %d: graph %g, host %g", step, got, want)
		}
	}
	if math.Abs(s.At(0)-1e-7) > 1e-15 || s.At(10) != 1e-3 || math.Abs(s.At(50)-1e-6) > 1e-12 {
		t.Errorf("schedule end points: %g %g %g", s.At(0), s.At(10), s.At(50))
	}
}

// TestDecayExclusions runs steps with a zero loss gradient: only weight
// decay moves the variables, so matrices shrink and biases, norms and
// position embeddings stay.
func TestDecayExclusions(t *testing.T) {
	b, _ := backend.NewWithConfig(backend.PureGo)
	ctx := context.New().Checked(false)
	o := DefaultAdamW(Schedule{LR: 0.1, MinLR: 0.1, TotalSteps: 100})
	o.WeightDecay = 0.5
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) *Node {
		g := x.Graph()
		y := nn.Linear(ctx.In("fc"), x, true, 3)
		y = nn.LayerNorm(ctx.In("norm"), y, 1e-6)
		terms := []*Node{ReduceAllSum(y)}
		for _, name := range []string{"pos_embed", "cls_token", "mask_token", "logit_scale", "relative_table"} {
			terms = append(terms, ReduceAllSum(nn.Param(ctx.In("tokens"), g, name, x.DType(), 0.02, 2, 3)))
		}
		sum := terms[0]
		for _, t := range terms[1:] {
			sum = Add(sum, t)
		}
		loss := MulScalar(sum, 0) // zero gradient, still depends on every variable
		out := o.Step(ctx, loss)
		return out.GradNorm
	})
	if err != nil {
		t.Fatal(err)
	}
	// The champion's rule, written out: weight matrices decay; biases, norm
	// gains and offsets, position embeddings, cls and mask tokens and
	// Swin-V2's logit scale do not. A tensor of rank 2 that is none of
	// those (relative_table) decays.
	want := map[string]bool{
		"/fc/weights": true, "/fc/biases": false, "/norm/gain": false, "/norm/offset": false,
		"/tokens/pos_embed": false, "/tokens/cls_token": false, "/tokens/mask_token": false,
		"/tokens/logit_scale": false, "/tokens/relative_table": true,
	}
	x := [][]float32{{1, 2}, {3, 4}}
	e.MustExec(x)
	before := map[string]float32{}
	for v := range ctx.IterVariables() {
		before[v.ScopeAndName()] = first(v)
	}
	norm := e.MustExec(x)[0].Value().(float32)
	if norm != 0 {
		t.Errorf("gradient norm %g, want 0", norm)
	}
	seen := 0
	for v := range ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		decays, listed := want[v.ScopeAndName()]
		if !listed {
			t.Errorf("%s: not in the expectation table", v.ScopeAndName())
			continue
		}
		seen++
		now, was := first(v), before[v.ScopeAndName()]
		switch {
		case decays && !(math.Abs(float64(now)) < math.Abs(float64(was))):
			t.Errorf("%s should decay: %g -> %g", v.ScopeAndName(), was, now)
		case !decays && now != was:
			t.Errorf("%s should not decay: %g -> %g", v.ScopeAndName(), was, now)
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the %d expected variables were trained", seen, len(want))
	}
	if step := ctx.InspectVariable(Scope, "step"); step == nil || step.MustValue().Value().(float32) != 2 {
		t.Errorf("step counter after two steps: %v", step)
	}
}

func first(v *context.Variable) float32 {
	var out float32
	v.MustValue().ConstFlatData(func(f any) {
		if s, ok := f.([]float32); ok && len(s) > 0 {
			out = s[len(s)-1]
		}
	})
	return out
}
