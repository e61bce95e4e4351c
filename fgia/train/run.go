package train

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/loader"
	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/progress"
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
	ckDir := filepath.Join(opt.Out, CheckpointsDir)
	var ri *RunInfo
	if opt.Resume {
		var err error
		if ri, err = ReadRunInfo(opt.Out); err != nil {
			return nil, err
		}
		cfg = ri.Config
	} else {
		if existing, _ := checkpoint.Latest(ckDir); existing != "" {
			return nil, fmt.Errorf("train: %s already holds a run (%s); use --resume to continue it or choose another --out", opt.Out, filepath.Base(existing))
		}
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
	if len(anns) < cfg.BatchSize {
		return nil, fmt.Errorf("train: %d images in %s, fewer than one batch of %d", len(anns), opt.List, cfg.BatchSize)
	}
	items := make([]loader.Item, len(anns))
	labels := make([]int, len(anns))
	for i, a := range anns {
		items[i], labels[i] = loader.Item{Path: a.Path, Label: a.Label}, a.Label
	}
	counts := longtail.Count(labels, cfg.Model.Head.Classes)
	spe := len(anns) / cfg.BatchSize
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
	if ri == nil {
		ri = &RunInfo{Config: cfg, Data: opt.Data, List: opt.List, Images: len(anns), ClassCounts: counts,
			StepsEpoch: spe, TotalSteps: total, Backend: opt.Backend.Name(), Init: opt.Init}
		if err := ri.write(opt.Out); err != nil {
			return nil, err
		}
	}

	ctx := context.New().Checked(false)
	ctx.SetParam(context.ParamInitialSeed, int64(cfg.Seed))
	sum := &Summary{Resumed: opt.Resume}
	start := 0
	var window metricWindow // the metrics since the last record, carried across a resume
	if opt.Resume {
		latest, err := checkpoint.Latest(ckDir)
		if err != nil {
			return nil, err
		}
		if latest != "" {
			c, err := checkpoint.Load(latest)
			if err != nil {
				return nil, err
			}
			if err := c.Restore(ctx, nil); err != nil {
				return nil, err
			}
			var meta checkpointMeta
			if err := c.Meta(&meta); err != nil {
				return nil, err
			}
			window = meta.Window
			start = int(c.Step)
			fmt.Fprintf(opt.Log, "resuming %s from step %d (%s)\n", opt.Out, start, filepath.Base(latest))
		}
		if err := truncateMetrics(opt.Out, start); err != nil {
			return nil, err
		}
	} else if opt.Init != "" {
		if err := InitBackbone(ctx, opt.Init, cfg.Model); err != nil {
			return nil, err
		}
	}
	sum.FromStep = start

	margins := marginsFor(cfg, counts)
	priors := make([]float32, len(counts))
	for c, n := range counts {
		priors[c] = float32(n) / float32(len(anns))
	}
	classes := cfg.Model.Head.Classes
	useSoft := cfg.Mixup != nil
	step, err := context.NewExec(opt.Backend, ctx, func(ctx *context.Context, inputs []*Node) []*Node {
		images, lbl := inputs[0], inputs[1]
		g := images.Graph()
		ctx.SetTraining(g, true)
		logits := cfg.Model.Logits(ctx, images, lbl, margins)
		var soft *Node
		if useSoft {
			soft = inputs[2]
		}
		l := cfg.Loss.Compute(ctx, logits, lbl, soft, priors)
		out := cfg.Optim.Step(ctx, l)
		correct := ReduceAllSum(ConvertDType(Equal(ConvertDType(ArgMax(logits, -1), lbl.DType()), lbl), l.DType()))
		return []*Node{l, correct, out.LR, out.GradNorm}
	})
	if err != nil {
		return nil, err
	}
	defer step.Finalize()

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
	mw, err := openMetrics(opt.Out)
	if err != nil {
		return nil, err
	}
	defer mw.close()

	ckEvery := cfg.CheckpointEvery
	if ckEvery <= 0 {
		ckEvery = spe
	}
	logEvery := max(cfg.LogEvery, 1)
	bar := progress.New(total-start, "train")
	t0 := time.Now()
	acc := window
	since := t0
	save := func(done int) error {
		meta := checkpointMeta{Epoch: float64(done) / float64(spe), Window: acc}
		p, err := checkpoint.Save(ctx, ckDir, int64(done), meta, cfg.Keep)
		sum.Checkpoint = p
		return err
	}
	done, timed := start, 0
	for done < total {
		epoch := done / spe
		order := smp.Epoch(epoch)[:spe*cfg.BatchSize] // whole batches only
		stop := make(chan struct{})
		stream := ld.Stream(epoch, order, done%spe, stop)
		for b := range stream {
			if b.Err != nil {
				close(stop)
				return sum, b.Err
			}
			in := []any{tensors.FromFlatDataAndDimensions(b.Images, append([]int{cfg.BatchSize}, pipeShape(pipe)...)...), b.Labels}
			if useSoft {
				in = append(in, tensors.FromFlatDataAndDimensions(b.Soft, cfg.BatchSize, classes))
			}
			out, err := step.Exec(in...)
			if err != nil {
				close(stop)
				return sum, err
			}
			l := float64(out[0].Value().(float32))
			if math.IsNaN(l) || math.IsInf(l, 0) {
				close(stop)
				last, _ := checkpoint.Latest(ckDir)
				if last == "" {
					last = "none yet"
				}
				return sum, fmt.Errorf("%w at step %d (loss %v); nothing was saved after it; last good checkpoint: %s. Lower the learning rate or check the data", ErrNonFinite, done+1, l, last)
			}
			done++
			sum.LastLoss = l
			acc.Loss += l
			acc.Correct += float64(out[1].Value().(float32))
			acc.LR = float64(out[2].Value().(float32))
			acc.Norm += float64(out[3].Value().(float32))
			acc.Steps++
			acc.Images += cfg.BatchSize
			timed += cfg.BatchSize
			bar.Add(1)
			if done%logEvery == 0 || done == total {
				r := Record{Step: done, Epoch: float64(done) / float64(spe), Loss: acc.Loss / float64(acc.Steps),
					Accuracy: acc.Correct / float64(acc.Images), LR: acc.LR, GradNorm: acc.Norm / float64(acc.Steps),
					ImgPerSec: float64(timed) / time.Since(since).Seconds(), Seconds: time.Since(t0).Seconds()}
				if err := mw.write(r); err != nil {
					close(stop)
					return sum, err
				}
				bar.SetInfo(fmt.Sprintf("epoch %.2f loss %.4f acc %.3f lr %.2e %.0f img/s", r.Epoch, r.Loss, r.Accuracy, r.LR, r.ImgPerSec))
				acc, timed, since = metricWindow{}, 0, time.Now()
			}
			if opt.StopAfter > 0 && done-start >= opt.StopAfter {
				close(stop)
				sum.Steps = done
				return sum, nil
			}
			if done%ckEvery == 0 || done == total {
				if err := save(done); err != nil {
					close(stop)
					return sum, err
				}
			}
			if done >= total || done%spe == 0 {
				break
			}
		}
		close(stop)
		for range stream {
		}
	}
	bar.Finish()
	sum.Steps, sum.Epochs = done, float64(done)/float64(spe)
	return sum, nil
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
		if strings.HasPrefix(path, prefix) {
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
