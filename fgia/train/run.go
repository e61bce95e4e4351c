package train

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/distrib"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/loader"
	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/loss"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/runlock"
	"github.com/fgia/fgia/fgia/sampler"
)

// Options say where a run reads and writes.
type Options struct {
	Data    string // data root in the competition layout
	List    string // annotation list (default: DATA/meta/train_clean.txt)
	Out     string // run folder
	Resume  bool   // continue the run in Out from its last checkpoint
	Init    string // a run (or checkpoint file) whose backbone weights start this run
	Backend backends.Backend
	Log     io.Writer // progress and messages (default stderr)
	Workers int       // loader goroutines (default: one per CPU)
	// StopAfter ends the run after this many steps in this process without
	// a final checkpoint, as a crash would (tests of resume use it).
	StopAfter int
	// Changes are assignments (path=value, fgia/override) to a resumed
	// run's config: only what can change mid-run (epochs, max_steps,
	// checkpoint_every, keep, log_every) is accepted, anything else is an
	// error naming the field.
	Changes []string
	// Devices trains data-parallel over this many devices of Backend
	// (fgia/distrib: GoMLX AutoSharding, each device gets its slice of
	// every batch, XLA all-reduces the gradients): 0 or 1 is one device,
	// -1 all of them. BatchSize stays the global batch and must divide by
	// the devices. It is not part of the recipe, so a run may resume on
	// another count (expected to match up to float rounding; not tested).
	Devices int
}

// Summary is what a run did.
type Summary struct {
	Steps      int
	Epochs     float64
	LastLoss   float64
	Checkpoint string
	Resumed    bool
	FromStep   int
}

// ErrNonFinite is returned when the loss becomes NaN or infinite.
var ErrNonFinite = errors.New("train: the loss is not finite")

// Run trains cfg (ignored when resuming: the run's own config.json is used).
func Run(cfg Config, opt Options) (*Summary, error) {
	if opt.Log == nil {
		opt.Log = os.Stderr
	}
	if opt.Backend == nil {
		return nil, fmt.Errorf("train: no backend")
	}
	lock, err := runlock.Acquire(opt.Out, "fgia train")
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	var ri *RunInfo
	changed := false
	if opt.Resume {
		var err error
		if ri, err = ReadRunInfo(opt.Out); err != nil {
			return nil, err
		}
		if cfg, changed, err = ResumeChanges(ri.Config, opt.Changes, opt.Out); err != nil {
			return nil, err
		}
	} else if err := CheckFresh(opt.Out); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if ri != nil {
		opt.Data, opt.List = ri.Data, ri.List
	}
	if opt.List == "" {
		opt.List = filepath.Join(opt.Data, filepath.FromSlash(dataset.CleanList))
	}
	anns, lineErrs, err := dataset.ReadAnnotations(opt.List, cfg.Model.Head.Classes)
	if err != nil {
		return nil, err
	}
	if len(lineErrs) > 0 {
		return nil, fmt.Errorf("train: %d bad lines in %s, first: %v (clean the data first: fgia clean)", len(lineErrs), opt.List, lineErrs[0])
	}
	anns, val, err := splitValidation(cfg, anns)
	if err != nil {
		return nil, err
	}
	accum := max(cfg.AccumSteps, 1)
	if len(anns) < cfg.BatchSize*accum {
		return nil, fmt.Errorf("train: %d images in %s, fewer than one step of %d", len(anns), opt.List, cfg.BatchSize*accum)
	}
	devices, err := distrib.Devices(opt.Devices, opt.Backend.NumDevices())
	if err != nil {
		return nil, err
	}
	var dp *distrib.DataParallel
	if devices > 1 {
		if cfg.BatchSize%devices != 0 {
			return nil, fmt.Errorf("train: batch %d does not divide over %d devices", cfg.BatchSize, devices)
		}
		if dp, err = distrib.New(devices); err != nil {
			return nil, err
		}
		fmt.Fprintf(opt.Log, "data-parallel over %d devices: %d images each a batch\n", devices, cfg.BatchSize/devices)
	}
	items := make([]loader.Item, len(anns))
	labels := make([]int, len(anns))
	for i, a := range anns {
		items[i], labels[i] = loader.Item{Path: a.Path, Label: a.Label}, a.Label
	}
	counts := longtail.Count(labels, cfg.Model.Head.Classes)
	spe := len(anns) / (cfg.BatchSize * accum) // optimizer steps
	total := int(math.Ceil(cfg.Epochs * float64(spe)))
	if cfg.MaxSteps > 0 && (total == 0 || cfg.MaxSteps < total) {
		total = cfg.MaxSteps
	}
	cfg.Optim.Layer = cfg.Model.Layer
	cfg.Optim.Schedule.TotalSteps = total
	cfg.Optim.Schedule.WarmupSteps = int(cfg.WarmupEpochs * float64(spe))
	if err := cfg.Optim.Validate(); err != nil {
		return nil, err
	}
	switch {
	case ri == nil:
		ri = &RunInfo{Config: cfg, Data: opt.Data, List: opt.List, Images: len(anns), ClassCounts: counts,
			StepsEpoch: spe, TotalSteps: total, Backend: opt.Backend.Name(), Init: opt.Init}
		if err := ri.write(opt.Out); err != nil {
			return nil, err
		}
	case changed:
		fmt.Fprintf(opt.Log, "resuming with %v: %d steps in all (was %d)\n", opt.Changes, total, ri.TotalSteps)
		ri.Config, ri.TotalSteps = cfg, total
		if err := ri.write(opt.Out); err != nil {
			return nil, err
		}
	}

	preset := cfg.Preset
	if preset == "" {
		preset = "a config"
	}
	fmt.Fprintf(opt.Log, "train %s: %s, %d images of %d classes from %s, %d steps (%.3g epochs) of %d images, on %s\n",
		opt.Out, preset, len(anns), cfg.Model.Head.Classes, filepath.Base(opt.List), total, float64(total)/float64(spe), cfg.BatchSize*accum, opt.Backend.Name())
	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(cfg.Seed))
	sum := &Summary{Resumed: opt.Resume}
	var pos Position
	if opt.Resume {
		if pos, err = Resume(ctx, opt.Out, opt.Log); err != nil {
			return nil, err
		}
	} else if opt.Init != "" {
		if err := InitBackbone(ctx, opt.Init, cfg.Model); err != nil {
			return nil, err
		}
	}

	margins := marginsFor(cfg, counts)
	priors := make([]float32, len(counts))
	for c, n := range counts {
		priors[c] = float32(n) / float32(len(anns))
	}
	classes := cfg.Model.Head.Classes
	var teacher [][]float32
	if cfg.Distill != nil {
		var n int
		if teacher, n, err = cfg.Distill.softTargets(items, classes); err != nil {
			return nil, err
		}
		if cfg.Distill.Soft {
			fmt.Fprintf(opt.Log, "soft-label training: %d of %d images learn the teachers' softmax at temperature %g\n", n, len(items), cfg.Distill.Temperature)
		} else {
			fmt.Fprintf(opt.Log, "distillation: %d of %d images learn %g T^2 KL from the teachers at T %g + %g of the hard-label loss\n", n, len(items), cfg.Distill.Alpha, cfg.Distill.Temperature, 1-cfg.Distill.Alpha)
		}
	}
	kd := teacher != nil && !cfg.Distill.Soft // Hinton's KL + hard labels
	useSoft := cfg.Mixup != nil || (teacher != nil && !kd)
	inputs := 2
	switch {
	case kd:
		inputs = 4 // teacher probabilities and their mask
	case useSoft:
		inputs = 3
	}
	// newStep compiles the training step: with apply, the one that updates
	// the weights (with accumulation: after adding the last micro-batch's
	// gradient); without, the one that only accumulates.
	newStep := func(apply bool) (*context.Exec, error) {
		e, err := context.NewExec(opt.Backend, ctx, func(ctx *context.Context, inputs []*Node) []*Node {
			images, lbl := inputs[0], inputs[1]
			g := images.Graph()
			ctx.SetTraining(g, true)
			if w := cfg.Model.Head.MarginWarmupEpochs; w > 0 && cfg.Model.Head.HasMargin() {
				steps := math.Max(w*float64(spe), 1)
				ctx.SetGraphParam(g, head.ParamMarginScale, MinScalar(DivScalar(optim.StepsDone(ctx, g), steps), 1))
			}
			features := cfg.Model.Features(ctx, images)
			logits := cfg.Model.Head.Logits(ctx, features, lbl, margins)
			// The logits as inference sees them: a margin head's without
			// its margin. The training accuracy is measured on them, so
			// that it says how often the model is right, not how often it
			// clears its own margin.
			plain := logits
			if cfg.Model.Head.HasMargin() {
				plain = cfg.Model.Head.Logits(ctx, features, nil, nil)
			}
			var l *Node
			switch {
			case kd:
				probs, has := inputs[2], inputs[3]
				alpha := cfg.Distill.Alpha
				hard := cfg.Loss.ComputeWeighted(ctx, logits, lbl, nil, priors, OneMinus(MulScalar(has, alpha)))
				// KD on the plain logits: the teacher had no margin.
				l = Add(hard, MulScalar(ReduceAllMean(Mul(has, loss.KD(plain, probs, cfg.Distill.Temperature))), alpha))
			case useSoft:
				l = cfg.Loss.Compute(ctx, logits, lbl, inputs[2], priors)
			default:
				l = cfg.Loss.Compute(ctx, logits, lbl, nil, priors)
			}
			correct := ReduceAllSum(ConvertDType(Equal(ConvertDType(ArgMax(plain, -1), lbl.DType()), lbl), l.DType()))
			var out optim.Outputs
			switch {
			case !apply:
				optim.Accumulate(ctx, l)
				zero := ScalarZero(g, l.DType())
				out = optim.Outputs{LR: zero, GradNorm: zero}
			case accum > 1:
				out = cfg.Optim.StepAccumulated(ctx, l, accum)
			default:
				out = cfg.Optim.Step(ctx, l)
			}
			return []*Node{l, correct, out.LR, out.GradNorm}
		})
		if err == nil && dp != nil {
			dp.Configure(e, inputs, false)
		}
		return e, err
	}
	step, err := newStep(true)
	if err != nil {
		return nil, err
	}
	defer step.Finalize()
	var accumulate *context.Exec
	if accum > 1 {
		if accumulate, err = newStep(false); err != nil {
			return nil, err
		}
		defer accumulate.Finalize()
	}

	pipe, err := augment.Train(cfg.Augment)
	if err != nil {
		return nil, err
	}
	ld := &loader.Loader{Root: opt.Data, Items: items, Pipeline: pipe, Size: cfg.BatchSize, Workers: opt.Workers, Seed: cfg.Seed, Mixup: cfg.Mixup, Classes: classes}
	var smp sampler.Sampler = sampler.Shuffled{N: len(items), Seed: cfg.Seed}
	if cfg.Sampler == SamplerBalanced {
		if smp, err = sampler.NewClassBalanced(labels, len(labels), cfg.Seed); err != nil {
			return nil, err
		}
	}
	shape := append([]int{cfg.BatchSize}, pipeShape(pipe)...)
	feed := func(b loader.Batch) []any {
		in := []any{tensors.FromFlatDataAndDimensions(b.Images, shape...), b.Labels}
		switch {
		case kd:
			probs, has := batchTeacher(b, teacher, classes)
			in = append(in, tensors.FromFlatDataAndDimensions(probs, cfg.BatchSize, classes), has)
		case teacher != nil:
			in = append(in, tensors.FromFlatDataAndDimensions(batchTargets(b, teacher, classes, cfg.Loss.LabelSmoothing), cfg.BatchSize, classes))
		case useSoft:
			in = append(in, tensors.FromFlatDataAndDimensions(b.Soft, cfg.BatchSize, classes))
		}
		return in
	}
	var validate func() (float64, error)
	if len(val) > 0 {
		if dp != nil {
			return nil, fmt.Errorf("train: a validation split and data-parallel training do not go together yet; validate the run's checkpoints with fgia predict and fgia score")
		}
		score, finalize, err := validator(cfg, ctx, opt.Backend, opt.Data, val, opt.Workers)
		if err != nil {
			return nil, err
		}
		defer finalize()
		validate = score
		fmt.Fprintf(opt.Log, "validating on %d held-out images at every epoch end; the best epoch goes to %s\n", len(val), filepath.Join(opt.Out, CheckpointsDir, BestDir))
	}
	loop := Loop{Name: "train", Validate: validate, Out: opt.Out, Ctx: ctx, Step: step, Accumulate: accumulate, AccumSteps: accum, Loader: ld, Sampler: smp,
		Feed: func(b loader.Batch, _ int) []any {
			in := feed(b)
			if dp != nil {
				// Each device gets its slice of the batch; the step's
				// outputs (loss, correct count, ...) are the global ones.
				sharded, err := dp.Shard(in)
				if err != nil {
					// Only an indivisible batch fails, and Run checked it.
					panic(err)
				}
				in = sharded
			}
			return in
		},
		TotalSteps: total, StepsPerEpoch: spe, CheckpointEvery: cfg.CheckpointEvery, Keep: cfg.Keep,
		Log: cfg.LogEvery, StopAfter: opt.StopAfter}
	return sum, loop.Run(pos, sum)
}

// metricWindow accumulates the steps since the last metrics record. It is
// saved in checkpoints so that a resumed run writes the same records as an
// uninterrupted one.
type metricWindow struct {
	Loss    float64 `json:"loss"`
	Correct float64 `json:"correct"`
	LR      float64 `json:"lr"`
	Norm    float64 `json:"norm"`
	Steps   int     `json:"steps"`
	Images  int     `json:"images"`
}

// checkpointMeta is the engine's metadata in each checkpoint.
type checkpointMeta struct {
	Epoch  float64      `json:"epoch"`
	Window metricWindow `json:"window"`
	// BestVal is the best validation accuracy so far (-1: none yet), so
	// that a resumed run keeps checkpoints/best/ right.
	BestVal float64 `json:"best_val,omitempty"`
}

func pipeShape(p *augment.Pipeline) []int {
	h, w, c := p.Shape()
	return []int{h, w, c}
}

// marginsFor computes adaptive ArcFace margins from the class counts when
// the head asks for them.
func marginsFor(cfg Config, counts []int) []float32 {
	if cfg.Model.Head.Adaptive {
		return cfg.Model.Head.AdaptiveMargins(counts)
	}
	return nil
}

// PretrainOnlyScope holds backbone variables that only pretraining uses;
// InitBackbone skips them.
const PretrainOnlyScope = "simmim"

// InitBackbone loads the backbone weights of another run's last checkpoint
// (or of a checkpoint file) into ctx, adapted to spec (a ViT's position
// embedding resized to its grid); the head and the optimizer start fresh.
func InitBackbone(ctx *context.Context, from string, spec model.Spec) error {
	file := from
	if st, err := os.Stat(from); err == nil && st.IsDir() {
		latest, err := checkpoint.Latest(filepath.Join(from, CheckpointsDir))
		if err != nil {
			return err
		}
		if latest == "" {
			return fmt.Errorf("train: --init %s has no checkpoint", from)
		}
		file = latest
	}
	c, err := checkpoint.Load(file)
	if err != nil {
		return err
	}
	if err := spec.Adapt(c.Tensors); err != nil {
		return err
	}
	prefix := "/" + model.BackboneScope + "/"
	n := 0
	err = c.Restore(ctx, func(path string) string {
		// A pretraining-only variable (SimMIM's mask token) stays behind:
		// the classifier's graph never reads it.
		if strings.HasPrefix(path, prefix) && !strings.Contains(path, "/"+PretrainOnlyScope+"/") {
			n++
			return path
		}
		return ""
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("train: %s holds no backbone weights (%s*)", file, prefix)
	}
	return err
}
