package pretrain

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/gemm"
	"github.com/fgia/fgia/fgia/loader"
	"github.com/fgia/fgia/fgia/runlock"
	"github.com/fgia/fgia/fgia/sampler"
	"github.com/fgia/fgia/fgia/train"
)

// Options say what a pretraining run reads and where it writes.
type Options struct {
	Data string // data root in the competition layout
	// List is the training list whose images (not labels) are used
	// (default DATA/meta/train_clean.txt).
	List string
	// Splits are the unlabelled test splits added to the images (the
	// champion pretrained on train + test); absent ones are skipped.
	Splits    []string
	Out       string // run folder
	Resume    bool
	Backend   backends.Backend
	Log       io.Writer
	Workers   int
	StopAfter int // see train.Options.StopAfter
	// Changes are assignments to a resumed run's config (see
	// train.Options.Changes).
	Changes []string
}

// ConfigFile is the pretraining run's recipe and data (a fine-tuning run's
// is config.json, so the two kinds of run are never confused).
const ConfigFile = "pretrain.json"

// RunInfo is what ConfigFile holds.
type RunInfo struct {
	Config     Config   `json:"pretrain"`
	Data       string   `json:"data"`
	List       string   `json:"list"`
	Splits     []string `json:"splits"`
	Images     int      `json:"images"`
	StepsEpoch int      `json:"steps_per_epoch"`
	TotalSteps int      `json:"total_steps"`
	Backend    string   `json:"backend"`
}

// ReadRunInfo loads a pretraining run's recipe.
func ReadRunInfo(run string) (*RunInfo, error) {
	b, err := os.ReadFile(filepath.Join(run, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("pretrain: %s is not a pretraining run: %w", run, err)
	}
	var ri RunInfo
	if err := json.Unmarshal(b, &ri); err != nil {
		return nil, fmt.Errorf("pretrain: %s: %w", filepath.Join(run, ConfigFile), err)
	}
	return &ri, nil
}

// Images lists the pretraining images of a data root, relative to it: the
// list's images, then each split's.
func Images(data, list string, splits []string) ([]loader.Item, error) {
	anns, lineErrs, err := dataset.ReadAnnotations(list, 0)
	if err != nil {
		return nil, err
	}
	if len(lineErrs) > 0 {
		return nil, fmt.Errorf("pretrain: %d bad lines in %s, first: %v (clean the data first: fgia clean)", len(lineErrs), list, lineErrs[0])
	}
	items := make([]loader.Item, 0, len(anns))
	for _, a := range anns {
		items = append(items, loader.Item{Path: a.Path, Label: -1})
	}
	for _, s := range splits {
		if _, err := os.Stat(filepath.Join(data, s)); os.IsNotExist(err) {
			continue
		}
		names, err := dataset.Layout{Root: data}.TestImages(s)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			items = append(items, loader.Item{Path: s + "/" + n, Label: -1})
		}
	}
	return items, nil
}

// Run pretrains cfg (ignored when resuming: the run's own recipe is used).
func Run(cfg Config, opt Options) (*train.Summary, error) {
	if opt.Log == nil {
		opt.Log = os.Stderr
	}
	if opt.Backend == nil {
		return nil, fmt.Errorf("pretrain: no backend")
	}
	lock, err := runlock.Acquire(opt.Out, "fgia pretrain")
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	var ri *RunInfo
	changed := false
	if opt.Resume {
		if ri, err = ReadRunInfo(opt.Out); err != nil {
			return nil, err
		}
		opt.Data, opt.List, opt.Splits = ri.Data, ri.List, ri.Splits
		if cfg, changed, err = train.ResumeChanges(ri.Config, opt.Changes, opt.Out); err != nil {
			return nil, err
		}
	} else if err := train.CheckFresh(opt.Out); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.List == "" {
		opt.List = filepath.Join(opt.Data, filepath.FromSlash(dataset.CleanList))
	}
	items, err := Images(opt.Data, opt.List, opt.Splits)
	if err != nil {
		return nil, err
	}
	if len(items) < cfg.BatchSize {
		return nil, fmt.Errorf("pretrain: %d images, fewer than one batch of %d", len(items), cfg.BatchSize)
	}
	spe := len(items) / cfg.BatchSize
	total := int(math.Ceil(cfg.Epochs * float64(spe)))
	if cfg.MaxSteps > 0 && (total == 0 || cfg.MaxSteps < total) {
		total = cfg.MaxSteps
	}
	cfg.Optim.Schedule.TotalSteps = total
	cfg.Optim.Schedule.WarmupSteps = int(cfg.WarmupEpochs * float64(spe))
	if err := cfg.Optim.Validate(); err != nil {
		return nil, err
	}
	if ri == nil || changed {
		if ri == nil {
			ri = &RunInfo{Data: opt.Data, List: opt.List, Splits: opt.Splits, Images: len(items),
				StepsEpoch: spe, Backend: opt.Backend.Name()}
		}
		ri.Config, ri.TotalSteps = cfg, total
		b, err := json.MarshalIndent(ri, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := atomicfile.WriteBytes(filepath.Join(opt.Out, ConfigFile), append(b, '\n')); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(opt.Log, "pretraining %s (%s) on %d images: %d steps of %d\n", cfg.Preset, cfg.Method, len(items), total, cfg.BatchSize)

	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(cfg.Seed))
	sum := &train.Summary{Resumed: opt.Resume}
	var pos train.Position
	if opt.Resume {
		if pos, err = train.Resume(ctx, opt.Out, opt.Log); err != nil {
			return nil, err
		}
	}
	pipe, err := augment.Train(cfg.Augment)
	if err != nil {
		return nil, err
	}
	h, w, ch := pipe.Shape()
	bs := cfg.BatchSize
	step, err := context.NewExec(opt.Backend, ctx, func(ctx *context.Context, inputs []*Node) []*Node {
		g := inputs[0].Graph()
		ctx.SetTraining(g, true)
		l := cfg.loss(ctx, inputs)
		out := cfg.Optim.Step(ctx, l)
		return []*Node{l, ScalarZero(g, l.DType()), out.LR, out.GradNorm}
	})
	if err != nil {
		return nil, err
	}
	defer step.Finalize()
	loop := train.Loop{Name: cfg.Method, Out: opt.Out, Ctx: ctx, Step: step, Unlabelled: true,
		Loader:  &loader.Loader{Root: opt.Data, Items: items, Pipeline: pipe, Size: bs, Workers: opt.Workers, Seed: cfg.Seed},
		Sampler: sampler.Shuffled{N: len(items), Seed: cfg.Seed},
		Feed: func(b loader.Batch, step int) []any {
			images := tensors.FromFlatDataAndDimensions(b.Images, bs, h, w, ch)
			return append([]any{images}, cfg.masks(batchRNG(cfg.Seed, step), bs)...)
		},
		TotalSteps: total, StepsPerEpoch: spe, CheckpointEvery: cfg.CheckpointEvery, Keep: cfg.Keep,
		Log: cfg.LogEvery, StopAfter: opt.StopAfter}
	return sum, loop.Run(pos, sum)
}

// masks draws a batch's mask inputs (after the images).
func (c Config) masks(rng permuter, b int) []any {
	switch c.Method {
	case MethodMAE:
		v := c.ViT
		cls := 0
		if v.ClsToken {
			cls = 1
		}
		n, k := v.Grid()*v.Grid(), c.keptPatches()
		m := newMAEMasks(rng, b, n, k, cls)
		return []any{m.Keep, m.Restore, tensors.FromFlatDataAndDimensions(m.Mask, b, n)}
	default:
		s := c.SwinV2
		cells, scale := s.ImageSize/c.MaskPatch, c.MaskPatch/s.PatchSize
		m := newSimMIMMasks(rng, b, cells, scale, s.PatchSize, c.MaskRatio)
		grid := cells * scale
		return []any{tensors.FromFlatDataAndDimensions(m.Patches, b, grid, grid),
			tensors.FromFlatDataAndDimensions(m.Pixels, b, s.ImageSize, s.ImageSize, 1)}
	}
}

// loss builds the method's loss from [images, masks...], the model's
// matmuls at the configured precision.
func (c Config) loss(ctx *context.Context, in []*Node) *Node {
	dt, err := c.computeDType()
	if err != nil {
		panic(err)
	}
	return gemm.WithCompute(in[0].Graph(), dt, func() *Node {
		if c.Method == MethodMAE {
			return c.maeLoss(ctx, in[0], in[1], in[2], in[3])
		}
		return c.simMIMLoss(ctx, in[0], in[1], in[2])
	})
}
