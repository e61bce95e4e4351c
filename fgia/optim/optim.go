// Package optim is the kit's optimizer, built into the training graph:
// AdamW with the champion's exclusions (no weight decay on norms, biases,
// position embeddings and cls/mask tokens), layer-wise learning-rate decay,
// global-norm gradient clipping, a linear-warmup-then-cosine schedule
// computed from the step counter, and an optional exponential moving average
// of the weights.
//
// GoMLX's own Adam decays every variable when weight decay is set, and its
// "adamw" has no decay unless a parameter is set: the recipe needs per-variable
// control, so it is written here. The optimizer's state (step counter,
// moments, EMA) lives in the context under "/optim", so checkpoints carry it
// and a resumed run continues exactly.
package optim

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/fgia/fgia/fgia/override"
)

// Scope holds the optimizer's state variables.
const Scope = "/optim"

// Schedule is linear warmup from LR*WarmupFrom to LR over WarmupSteps, then
// a cosine decay to MinLR at TotalSteps (and MinLR after).
type Schedule struct {
	LR          float64 `json:"lr"`
	MinLR       float64 `json:"min_lr"`
	WarmupFrom  float64 `json:"warmup_from"` // fraction of LR at step 0 (champion: 1e-4)
	WarmupSteps int     `json:"warmup_steps"`
	TotalSteps  int     `json:"total_steps"`
}

// At returns the learning rate at a (0-based) step, on the host: the graph
// computes the same function.
func (s Schedule) At(step int) float64 {
	if step < s.WarmupSteps {
		f := s.WarmupFrom + (1-s.WarmupFrom)*float64(step)/float64(s.WarmupSteps)
		return s.LR * f
	}
	span := s.TotalSteps - s.WarmupSteps
	if span <= 0 {
		return s.LR
	}
	p := math.Min(1, float64(step-s.WarmupSteps)/float64(span))
	return s.MinLR + 0.5*(s.LR-s.MinLR)*(1+math.Cos(math.Pi*p))
}

// graph computes At for a step node (float32 scalar).
func (s Schedule) graph(step *Node) *Node {
	g := step.Graph()
	if s.WarmupSteps > 0 {
		warm := AddScalar(MulScalar(step, s.LR*(1-s.WarmupFrom)/float64(s.WarmupSteps)), s.LR*s.WarmupFrom)
		span := float64(max(s.TotalSteps-s.WarmupSteps, 1))
		p := ClipScalar(DivScalar(AddScalar(step, -float64(s.WarmupSteps)), span), 0, 1)
		cos := AddScalar(MulScalar(OnePlus(Cos(MulScalar(p, math.Pi))), 0.5*(s.LR-s.MinLR)), s.MinLR)
		return Where(LessThan(step, Scalar(g, step.DType(), float64(s.WarmupSteps))), warm, cos)
	}
	span := float64(max(s.TotalSteps, 1))
	p := ClipScalar(DivScalar(step, span), 0, 1)
	return AddScalar(MulScalar(OnePlus(Cos(MulScalar(p, math.Pi))), 0.5*(s.LR-s.MinLR)), s.MinLR)
}

// AdamW is the optimizer's configuration.
type AdamW struct {
	Schedule    Schedule `json:"schedule"`
	Beta1       float64  `json:"beta1"`
	Beta2       float64  `json:"beta2"`
	Eps         float64  `json:"eps"`
	WeightDecay float64  `json:"weight_decay"`
	ClipNorm    float64  `json:"clip_norm"` // 0: no clipping
	EMA         float64  `json:"ema"`       // 0: no EMA; else the decay, e.g. 0.9998
	// LayerDecay is layer-wise lr decay (0.75 for the champion's ViT-L; 0 or
	// 1: off): a variable of layer i of n gets lr * LayerDecay^(n - i).
	LayerDecay float64 `json:"layer_decay"`
	// Layer maps a variable's scope to (its layer, the number of layers),
	// for LayerDecay; nil means every variable is in the top layer.
	Layer func(scope string) (layer, layers int) `json:"-"`
}

// DefaultAdamW is AdamW(lr, betas (0.9, 0.999), eps 1e-8, wd 0.05).
func DefaultAdamW(s Schedule) AdamW {
	return AdamW{Schedule: s, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05}
}

// Decays says whether weight decay applies to a variable: not to biases,
// norm gains and offsets (rank <= 1), nor to position embeddings and
// cls/mask tokens.
func Decays(v *context.Variable) bool {
	if v.Shape().Rank() <= 1 {
		return false
	}
	name := v.Name()
	for _, s := range []string{"pos_embed", "cls_token", "mask_token", "logit_scale"} {
		if strings.Contains(name, s) {
			return false
		}
	}
	return true
}

// Trainable lists the context's trainable variables outside the optimizer's
// own scope, in a stable order.
func Trainable(ctx *context.Context) []*context.Variable {
	var out []*context.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable && !strings.HasPrefix(v.Scope(), Scope) && v.DType() == dtypes.Float32 {
			out = append(out, v)
		}
	}
	return out
}

// stepVariable is the optimizer's count of steps done (a float scalar).
func stepVariable(ctx *context.Context, dtype dtypes.DType) *context.Variable {
	v := ctx.Checked(false).InAbsPath(Scope).WithInitializer(initializers.Zero).VariableWithShape("step", shapes.Make(dtype))
	v.SetTrainable(false)
	return v
}

// StepsDone is the number of optimizer steps taken before this one, for
// graph parts that change over training (a margin ramp). It reads the
// counter Step advances; build it in the same graph as Step.
func StepsDone(ctx *context.Context, g *Graph) *Node {
	return stepVariable(ctx, dtypes.Float32).ValueGraph(g)
}

// Outputs are the optimizer's per-step metrics.
type Outputs struct {
	LR, GradNorm *Node
}

// Step builds, in loss's graph, the update of every trainable variable. It
// must be called once per training graph, after the whole loss is built.
func (o AdamW) Step(ctx *context.Context, loss *Node) Outputs {
	g := loss.Graph()
	vars := Trainable(ctx)
	if len(vars) == 0 {
		panic("optim: no trainable variables")
	}
	values := make([]*Node, len(vars))
	for i, v := range vars {
		values[i] = v.ValueGraph(g)
	}
	grads := Gradient(loss, values...)

	state := ctx.Checked(false).InAbsPath(Scope)
	stepVar := stepVariable(ctx, loss.DType())
	step := stepVar.ValueGraph(g) // float32 count of steps done
	lr := o.Schedule.graph(step)
	t := OnePlus(step)
	stepVar.SetValueGraph(t)

	// Global gradient norm, for clipping and as a metric.
	var sq *Node
	for _, gr := range grads {
		s := ReduceAllSum(Square(gr))
		if sq == nil {
			sq = s
		} else {
			sq = Add(sq, s)
		}
	}
	norm := Sqrt(sq)
	scale := ScalarOne(g, loss.DType())
	if o.ClipNorm > 0 {
		scale = Min(scale, Div(Scalar(g, loss.DType(), o.ClipNorm), AddScalar(norm, 1e-6)))
	}
	bc1 := OneMinus(Pow(Scalar(g, loss.DType(), o.Beta1), t))
	bc2 := OneMinus(Pow(Scalar(g, loss.DType(), o.Beta2), t))
	for i, v := range vars {
		gr := Mul(grads[i], scale)
		mVar := moment(state, "m", v)
		vVar := moment(state, "v", v)
		m := Add(MulScalar(mVar.ValueGraph(g), o.Beta1), MulScalar(gr, 1-o.Beta1))
		vv := Add(MulScalar(vVar.ValueGraph(g), o.Beta2), MulScalar(Square(gr), 1-o.Beta2))
		mVar.SetValueGraph(m)
		vVar.SetValueGraph(vv)
		update := Div(Div(m, bc1), AddScalar(Sqrt(Div(vv, bc2)), o.Eps))
		w := values[i]
		if o.WeightDecay > 0 && Decays(v) {
			update = Add(update, MulScalar(w, o.WeightDecay))
		}
		vlr := lr
		if f := o.layerFactor(v); f != 1 {
			vlr = MulScalar(lr, f)
		}
		w = Sub(w, Mul(vlr, update))
		v.SetValueGraph(w)
		if o.EMA > 0 {
			// The average starts at the weights after the first step.
			e := moment(state, "ema", v)
			avg := Add(MulScalar(e.ValueGraph(g), o.EMA), MulScalar(w, 1-o.EMA))
			first := BroadcastToShape(Equal(step, ScalarZero(g, step.DType())), w.Shape())
			e.SetValueGraph(Where(first, w, avg))
		}
	}
	return Outputs{LR: lr, GradNorm: norm}
}

func (o AdamW) layerFactor(v *context.Variable) float64 {
	if o.LayerDecay <= 0 || o.LayerDecay == 1 || o.Layer == nil {
		return 1
	}
	layer, n := o.Layer(v.Scope())
	return math.Pow(o.LayerDecay, float64(n-layer))
}

// moment returns the optimizer state variable kind ("m", "v", "ema") of v,
// zero-initialised, non-trainable.
func moment(state *context.Context, kind string, v *context.Variable) *context.Variable {
	c := state.InAbsPath(Scope + "/" + kind + v.Scope()) // EMAScope(v.Scope()) for "ema"
	mv := c.WithInitializer(initializers.Zero).VariableWithShape(v.Name(), v.Shape())
	mv.SetTrainable(false)
	return mv
}

// EMAScope is where EMA copies live; checkpoint readers use it to load the
// averaged weights in place of the trained ones.
func EMAScope(variableScope string) string { return Scope + "/ema" + variableScope }

// Validate reports settings that cannot train.
func (o AdamW) Validate() error {
	if err := o.ValidateSettings(); err != nil {
		return err
	}
	s := o.Schedule
	return override.First(
		override.Check(s.WarmupSteps >= 0, "schedule.warmup_steps", s.WarmupSteps, ">= 0"),
		override.Check(s.TotalSteps > 0, "schedule.total_steps", s.TotalSteps, "> 0"))
}

// ValidateSettings checks what a recipe sets (the trainer sets the step
// counts later), naming the field of a bad value.
func (o AdamW) ValidateSettings() error {
	s := o.Schedule
	return override.First(
		override.Check(s.LR > 0, "schedule.lr", s.LR, "> 0"),
		override.Check(s.MinLR >= 0 && s.MinLR <= s.LR, "schedule.min_lr", s.MinLR, fmt.Sprintf("in [0, lr %g]", s.LR)),
		override.Check(s.WarmupFrom >= 0 && s.WarmupFrom <= 1, "schedule.warmup_from", s.WarmupFrom, "a fraction in [0, 1]"),
		override.Check(o.Beta1 >= 0 && o.Beta1 < 1, "beta1", o.Beta1, "in [0, 1)"),
		override.Check(o.Beta2 >= 0 && o.Beta2 < 1, "beta2", o.Beta2, "in [0, 1)"),
		override.Check(o.Eps > 0, "eps", o.Eps, "> 0"),
		override.Check(o.WeightDecay >= 0, "weight_decay", o.WeightDecay, ">= 0"),
		override.Check(o.ClipNorm >= 0, "clip_norm", o.ClipNorm, ">= 0 (0: no clipping)"),
		override.Check(o.EMA >= 0 && o.EMA < 1, "ema", o.EMA, "a decay in [0, 1) (0: no EMA)"),
		override.Check(o.LayerDecay >= 0 && o.LayerDecay <= 1, "layer_decay", o.LayerDecay, "in [0, 1] (0 or 1: off)"))
}
