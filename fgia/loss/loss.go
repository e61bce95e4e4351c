// Package loss holds the training objectives, as GoMLX graphs: softmax
// cross-entropy with label smoothing, its soft-target form for Mixup/CutMix,
// Softmax-EQL (equalization loss) that really accumulates per-class gradient
// statistics during training, Balanced Softmax, and Hinton's distillation
// term (KL between temperature-softened teacher and student, scaled by T^2).
package loss

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Kind names a loss.
type Kind string

const (
	CE       Kind = "ce"       // softmax cross-entropy
	EQL      Kind = "eql"      // Softmax-EQL
	Balanced Kind = "balanced" // Balanced Softmax: z_c + log(prior_c)
)

// Config describes the loss.
type Config struct {
	Kind           Kind    `json:"kind"`
	LabelSmoothing float64 `json:"label_smoothing"`
	// EQLTau scales Softmax-EQL's adjustment z_j += tau*log(g_j/g_y).
	EQLTau float64 `json:"eql_tau"`
	// EQLEps floors the statistics in the log (the champion's eps).
	EQLEps float64 `json:"eql_eps"`
}

// Validate reports an unusable loss.
func (c Config) Validate() error {
	switch c.Kind {
	case CE, Balanced:
	case EQL:
		if c.EQLTau <= 0 || c.EQLEps <= 0 {
			return fmt.Errorf("loss: eql needs positive tau and eps")
		}
	default:
		return fmt.Errorf("loss: unknown kind %q (ce, eql, balanced)", c.Kind)
	}
	if c.LabelSmoothing < 0 || c.LabelSmoothing >= 1 {
		return fmt.Errorf("loss: label smoothing %g not in [0, 1)", c.LabelSmoothing)
	}
	return nil
}

// Targets turns sparse labels [B] into (smoothed) one-hot targets [B, C].
func Targets(labels *Node, classes int, smoothing float64) *Node {
	oneHot := OneHot(labels, classes, dtypes.Float32)
	if smoothing == 0 {
		return oneHot
	}
	return AddScalar(MulScalar(oneHot, 1-smoothing), smoothing/float64(classes))
}

// SoftCE is the mean over the batch of -sum_c t_c log softmax(z)_c.
func SoftCE(logits, targets *Node) *Node { return weightedMean(softCE(logits, targets), nil) }

// softCE is each sample's -sum_c t_c log softmax(z)_c, [B].
func softCE(logits, targets *Node) *Node {
	return Neg(ReduceSum(Mul(targets, LogSoftmax(logits, -1)), -1))
}

// weightedMean is the batch mean of per-sample losses [B], each multiplied
// by its weight when weights ([B]) is not nil.
func weightedMean(perSample, weights *Node) *Node {
	if weights != nil {
		perSample = Mul(perSample, ConvertDType(weights, perSample.DType()))
	}
	return ReduceAllMean(perSample)
}

// StatsScope and StatsName locate Softmax-EQL's accumulated per-class
// gradient statistics g_c in the context.
const (
	StatsScope = "/loss/eql"
	StatsName  = "grad_stats"
)

// Compute builds the training loss from logits [B, C] and either sparse
// labels [B] (int32) or soft targets [B, C] (Mixup/CutMix). priors (class
// frequencies summing to 1) are needed by Balanced; EQL keeps and updates its
// statistics in ctx (call Compute once per training graph).
func (c Config) Compute(ctx *context.Context, logits, labels, soft *Node, priors []float32) *Node {
	return c.ComputeWeighted(ctx, logits, labels, soft, priors, nil)
}

// ComputeWeighted is Compute with each sample's loss multiplied by its
// weight ([B], nil for 1) before the batch mean (distillation gives the
// hard-label term of distilled samples the weight 1 - alpha).
func (c Config) ComputeWeighted(ctx *context.Context, logits, labels, soft *Node, priors []float32, weights *Node) *Node {
	classes := logits.Shape().Dimensions[1]
	targets := soft
	if targets == nil {
		targets = Targets(labels, classes, c.LabelSmoothing)
	}
	switch c.Kind {
	case Balanced:
		if len(priors) != classes {
			panic(fmt.Sprintf("loss: balanced softmax needs %d priors, got %d", classes, len(priors)))
		}
		logp := make([]float32, classes)
		for i, p := range priors {
			logp[i] = float32(math.Log(math.Max(float64(p), 1e-12)))
		}
		return weightedMean(softCE(Add(logits, ExpandLeftToRank(Const(logits.Graph(), logp), 2)), targets), weights)
	case EQL:
		return weightedMean(c.eql(ctx, logits, targets), weights)
	default:
		return weightedMean(softCE(logits, targets), weights)
	}
}

// eql is Softmax-EQL (per-sample losses [B]): for non-target classes j, z_j += tau*log(max(g_j,eps)
// / max(g_y,eps)), with g_c the accumulated |dL/dz_c| over the samples of
// class c. The gradient of softmax cross-entropy with respect to the target
// logit is p_y - 1, so each step adds sum over samples of class c of
// (1 - p_c) to g_c — computed in the graph, with no extra backward pass. The
// champion's code declared these statistics but never filled them; here they
// grow every step and change the loss.
func (c Config) eql(ctx *context.Context, logits, targets *Node) *Node {
	g := logits.Graph()
	classes := logits.Shape().Dimensions[1]
	statsVar := ctx.Checked(false).InAbsPath(StatsScope).WithInitializer(initializers.Zero).
		VariableWithShape(StatsName, shapes.Make(logits.DType(), classes))
	statsVar.SetTrainable(false)
	stats := statsVar.ValueGraph(g)

	logG := Log(MaxScalar(stats, c.EQLEps))                      // [C]
	mass := targets                                              // a sample's class mass (soft for Mixup)
	logGy := ReduceSum(Mul(mass, ExpandLeftToRank(logG, 2)), -1) // [B]: log g_y
	adjust := MulScalar(Sub(ExpandLeftToRank(logG, 2), ExpandAxes(logGy, -1)), c.EQLTau)
	// Only non-target classes move: mask out each sample's target mass.
	adjusted := Add(logits, Mul(adjust, OneMinus(mass)))
	loss := softCE(adjusted, targets)

	p := StopGradient(Softmax(adjusted, -1))
	// Positive-gradient magnitude per class: sum_i t_ic * |p_ic - 1|.
	add := ReduceSum(Mul(mass, OneMinus(p)), 0)
	statsVar.SetValueGraph(Add(stats, add))
	return loss
}

// KD is Hinton's distillation term for each sample, [B]:
//
//	T^2 * KL(softmax(z_t / T) || softmax(z / T))
//
// with teacherProbs the teacher's softmax at the same temperature T. The
// T^2 keeps its gradient on the scale of a hard-label loss as T grows.
// Samples without a teacher are masked out by the caller.
func KD(logits, teacherProbs *Node, temperature float64) *Node {
	logQ := LogSoftmax(DivScalar(logits, temperature), -1)
	logP := Log(MaxScalar(teacherProbs, 1e-12))
	kl := ReduceSum(Mul(teacherProbs, Sub(logP, logQ)), -1)
	return MulScalar(kl, temperature*temperature)
}
