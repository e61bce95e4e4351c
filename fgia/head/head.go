// Package head turns pooled features into class logits: a plain linear
// layer, cosine logits s*cos (NormLinear), ArcFace (additive angular margin
// on the target class), sub-center ArcFace (k centres per class, the class
// cosine being the best one), and per-class adaptive margins that give rare
// classes the larger margin. Margins apply only in training, when labels are
// given; inference uses the plain scaled cosines.
package head

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/gemm"
	"github.com/fgia/fgia/fgia/nn"
)

// Kind names a head.
type Kind string

const (
	Linear    Kind = "linear"
	Cosine    Kind = "cosine"
	ArcFace   Kind = "arcface"
	SubCenter Kind = "subcenter" // sub-center ArcFace
)

// Config describes a head.
type Config struct {
	Kind       Kind    `json:"kind"`
	Classes    int     `json:"classes"`
	Scale      float64 `json:"scale"`       // s of the cosine heads (champion: 30)
	Margin     float64 `json:"margin"`      // ArcFace m when not adaptive
	SubCenters int     `json:"sub_centers"` // k of sub-center ArcFace (champion: 3)
	// Adaptive margins: m_c = MarginRange * (t_c - min t)/(max t - min t) +
	// MarginMin with t_c = n_c^-0.25 (the champion's 0.45 and 0.05).
	Adaptive    bool    `json:"adaptive"`
	MarginMin   float64 `json:"margin_min"`
	MarginRange float64 `json:"margin_range"`
	// MarginWarmupEpochs ramps the margins linearly from 0 over the first
	// epochs of training (the trainer sets ParamMarginScale). From a random
	// start a full margin can collapse the features to theta near pi - m,
	// where the pull towards the true class vanishes; a plain cosine head
	// first separates the classes, then the margin tightens them (third
	// place raised its margin each epoch).
	MarginWarmupEpochs float64 `json:"margin_warmup_epochs,omitempty"`
}

// ParamMarginScale is the graph parameter (a scalar *Node in [0, 1]) that
// scales the margins of a training graph; unset, margins apply in full.
const ParamMarginScale = "fgia_head_margin_scale"

// Validate reports an unusable head.
func (c Config) Validate() error {
	switch c.Kind {
	case Linear:
	case Cosine, ArcFace, SubCenter:
		if c.Scale <= 0 {
			return fmt.Errorf("head: %s needs a positive scale", c.Kind)
		}
	default:
		return fmt.Errorf("head: unknown kind %q (linear, cosine, arcface, subcenter)", c.Kind)
	}
	if c.Classes < 2 {
		return fmt.Errorf("head: %d classes", c.Classes)
	}
	if c.Kind == SubCenter && c.SubCenters < 1 {
		return fmt.Errorf("head: sub-center ArcFace needs at least one sub-center")
	}
	if c.Margin < 0 || c.Margin >= math.Pi/2 || c.MarginMin < 0 || c.MarginRange < 0 || c.MarginMin+c.MarginRange >= math.Pi/2 {
		return fmt.Errorf("head: margins must lie in [0, pi/2)")
	}
	if c.MarginWarmupEpochs < 0 {
		return fmt.Errorf("head: margin warmup of %g epochs", c.MarginWarmupEpochs)
	}
	return nil
}

// HasMargin says whether the head needs labels in training.
func (c Config) HasMargin() bool { return c.Kind == ArcFace || c.Kind == SubCenter }

// AdaptiveMargins computes the per-class margins from training counts.
func (c Config) AdaptiveMargins(counts []int) []float32 {
	t := make([]float64, len(counts))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, n := range counts {
		t[i] = math.Pow(float64(max(n, 1)), -0.25)
		lo, hi = math.Min(lo, t[i]), math.Max(hi, t[i])
	}
	m := make([]float32, len(counts))
	for i := range t {
		f := 0.0
		if hi > lo {
			f = (t[i] - lo) / (hi - lo)
		}
		m[i] = float32(c.MarginRange*f + c.MarginMin)
	}
	return m
}

// Logits maps features [B, D] to logits [B, classes]. labels ([B] int32)
// may be nil; when given, margin heads apply their margin to the target
// class. margins ([classes], for adaptive heads) may be nil to use Margin.
//
// The head's products are computed in the features' dtype even inside a
// reduced-precision gemm.WithCompute (mixed precision keeps the head, whose
// logits the loss and the margins read, in float32).
func (c Config) Logits(ctx *context.Context, features, labels *Node, margins []float32) *Node {
	return gemm.WithCompute(features.Graph(), features.DType(), func() *Node { return c.logits(ctx, features, labels, margins) })
}

func (c Config) logits(ctx *context.Context, features, labels *Node, margins []float32) *Node {
	ctx = ctx.In("head")
	if c.Kind == Linear {
		return nn.Linear(ctx, features, true, c.Classes)
	}
	cos := c.cosines(ctx, features)
	if labels == nil || !c.HasMargin() {
		return MulScalar(cos, c.Scale)
	}
	g := features.Graph()
	var m *Node
	if c.Adaptive && margins != nil {
		m = Gather(Const(g, margins), ExpandAxes(labels, -1)) // [B]
	} else {
		m = Scalar(g, cos.DType(), c.Margin)
	}
	if scale := context.GetGraphParamOr[*Node](ctx, g, ParamMarginScale, nil); scale != nil {
		m = Mul(m, ConvertDType(scale, m.DType()))
	}
	oneHot := OneHot(labels, c.Classes, cos.DType())
	target := ReduceSum(Mul(cos, oneHot), -1) // [B]
	adjusted := arcMargin(target, m)
	// Replace the target cosine by its margin version.
	cos = Add(cos, Mul(oneHot, ExpandAxes(Sub(adjusted, target), -1)))
	return MulScalar(cos, c.Scale)
}

// cosines are the cosine similarities between L2-normalised features and
// class weights (the best of the sub-centres for sub-center ArcFace).
func (c Config) cosines(ctx *context.Context, features *Node) *Node {
	k := 1
	if c.Kind == SubCenter {
		k = c.SubCenters
	}
	d := features.Shape().Dimensions[1]
	w := nn.Param(ctx, features.Graph(), "weights", features.DType(), nn.WeightStd, d, c.Classes, k)
	f := L2NormalizeWithEpsilon(features, 1e-6, -1)
	w = L2NormalizeWithEpsilon(w, 1e-6, 0)
	cos := gemm.Dense(f, w) // [B, classes, k]
	if k == 1 {
		return Reshape(cos, cos.Shape().Dimensions[0], c.Classes)
	}
	return ReduceMax(cos, -1)
}

// arcMargin is ArcFace's target logit: cos(theta + m) where theta + m stays
// below pi (cos > cos(pi - m)); beyond, the linear continuation
// cos - m*sin(pi - m) keeps it monotonic.
func arcMargin(cos, m *Node) *Node {
	sin := Sqrt(ClipScalar(OneMinus(Square(cos)), 1e-7, 1))
	cosM, sinM := Cos(m), Sin(m)
	withMargin := Sub(Mul(cos, cosM), Mul(sin, sinM))
	th := Neg(cosM)                  // cos(pi - m)
	linear := Sub(cos, Mul(m, sinM)) // cos - m*sin(pi - m), sin(pi-m) = sin(m)
	return Where(GreaterThan(cos, th), withMargin, linear)
}
