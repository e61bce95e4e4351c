// Package train is the fine-tuning engine: it reads a cleaned list, feeds
// augmented batches from parallel goroutines, trains a model (fgia/model)
// with its loss (fgia/loss) and optimizer (fgia/optim) as one GoMLX graph,
// shows progress, writes per-step metrics a notebook can plot, checkpoints
// atomically every N steps keeping the last K, resumes after a kill with the
// same step count, and stops on a NaN or infinite loss with a clear message
// and its last good checkpoint intact.
//
// A run folder holds config.json (everything needed to rebuild the model),
// metrics.jsonl and checkpoints/.
package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/loss"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/override"
)

// Samplers.
const (
	SamplerShuffle  = "shuffle"
	SamplerBalanced = "balanced"
)

// Config is a complete training recipe.
type Config struct {
	Preset       string      `json:"preset,omitempty"`
	Model        model.Spec  `json:"model"`
	Loss         loss.Config `json:"loss"`
	Optim        optim.AdamW `json:"optim"`
	Epochs       float64     `json:"epochs"`
	WarmupEpochs float64     `json:"warmup_epochs"`
	// BatchSize is the images of one forward and backward pass (a
	// micro-batch with AccumSteps, split over the devices when training
	// data-parallel: Options.Devices).
	BatchSize int `json:"batch_size"`
	// AccumSteps is gradient accumulation: the optimizer updates once per
	// AccumSteps micro-batches of BatchSize images, with their mean
	// gradient, so the effective batch is BatchSize*AccumSteps (0 or 1:
	// off). Steps everywhere (max_steps, warmup, checkpoint_every,
	// log_every, the schedule, metrics.jsonl, checkpoints) are optimizer
	// steps. EQL's gradient statistics are updated after each micro-batch
	// and Mixup/CutMix pairs images within a micro-batch.
	AccumSteps int            `json:"accum_steps,omitempty"`
	Augment    augment.Config `json:"augment"`
	Eval       augment.Config `json:"eval"`
	Mixup      *augment.Mixup `json:"mixup,omitempty"`
	Distill    *Distill       `json:"distill,omitempty"`
	Sampler    string         `json:"sampler"`
	Seed       uint64         `json:"seed"`
	// MaxSteps caps the run (0: Epochs decides), for quick budgets.
	MaxSteps int `json:"max_steps,omitempty"`
	// CheckpointEvery is in steps (0: once per epoch); Keep is how many of
	// the newest checkpoints stay (soups average them).
	CheckpointEvery int `json:"checkpoint_every"`
	Keep            int `json:"keep"`
	LogEvery        int `json:"log_every"`
	// ValSplit holds out this share of each class of the training list
	// (stratified, by Seed) to validate on at every epoch end; ValList
	// names a list of validation images instead. The best epoch is kept
	// in checkpoints/best/.
	ValSplit float64 `json:"val_split,omitempty"`
	ValList  string  `json:"val_list,omitempty"`
}

// Validate checks the recipe; a bad value is an override.FieldError
// naming its path (`fgia train --set` and the flags name the same paths).
func (c Config) Validate() error {
	if err := c.Model.Validate(); err != nil {
		return err
	}
	if err := c.Loss.Validate(); err != nil {
		return err
	}
	err := override.First(
		override.Check(c.Epochs > 0 || (c.Epochs == 0 && c.MaxSteps > 0), "epochs", c.Epochs, "> 0 (or 0 with max_steps > 0)"),
		override.Check(c.MaxSteps >= 0, "max_steps", c.MaxSteps, ">= 0 (0: epochs decide)"),
		override.Check(c.WarmupEpochs >= 0, "warmup_epochs", c.WarmupEpochs, ">= 0"),
		override.Check(c.BatchSize >= 1, "batch_size", c.BatchSize, ">= 1"),
		override.Check(c.AccumSteps >= 0, "accum_steps", c.AccumSteps, ">= 0 (0 or 1: no accumulation)"),
		override.Check(c.Sampler == SamplerShuffle || c.Sampler == SamplerBalanced, "sampler", c.Sampler, SamplerShuffle+" or "+SamplerBalanced),
		override.Check(c.Keep >= 1, "keep", c.Keep, ">= 1 checkpoint"),
		override.Check(c.CheckpointEvery >= 0, "checkpoint_every", c.CheckpointEvery, ">= 0 steps (0: every epoch)"),
		override.Check(c.LogEvery >= 0, "log_every", c.LogEvery, ">= 0 steps"),
		override.Check(c.ValSplit >= 0 && c.ValSplit < 0.5, "val_split", c.ValSplit, "a share in [0, 0.5)"),
		override.Check(c.ValSplit == 0 || c.ValList == "", "val_list", c.ValList, "empty when val_split is set (one or the other)"),
		override.Within("optim", c.Optim.ValidateSettings()))
	if err != nil {
		return err
	}
	if c.Distill != nil && c.Mixup != nil {
		return fmt.Errorf("train: distillation and Mixup/CutMix both set soft targets; use one")
	}
	if c.Distill != nil {
		if err := c.Distill.validate(); err != nil {
			return err
		}
	}
	if !c.Augment.RandomCrop && c.Augment.CropPct != c.Eval.CropPct {
		// Without random crops training takes the eval geometry; another
		// crop fraction would train on a different scale than is tested.
		return fmt.Errorf("train: without random crops the training crop fraction %g must equal the eval one %g",
			c.Augment.CropPct, c.Eval.CropPct)
	}
	side, ch := c.Model.InputSize()
	if c.Augment.Size != side || c.Eval.Size != side || c.Augment.Channels() != ch || c.Eval.Channels() != ch {
		return fmt.Errorf("train: augmentation gives %dx%dx%d images, the model wants %dx%dx%d",
			c.Augment.Size, c.Augment.Size, c.Augment.Channels(), side, side, ch)
	}
	return nil
}

// RunInfo is config.json: the recipe plus what the run learned about its
// data, so prediction and scoring need nothing else.
type RunInfo struct {
	Config      Config `json:"config"`
	Data        string `json:"data"`
	List        string `json:"list"`
	Images      int    `json:"images"`
	ClassCounts []int  `json:"class_counts"`
	StepsEpoch  int    `json:"steps_per_epoch"` // optimizer steps
	TotalSteps  int    `json:"total_steps"`     // optimizer steps
	Backend     string `json:"backend"`
	Init        string `json:"init,omitempty"`
}

// Files of a run folder.
const (
	ConfigFile     = "config.json"
	MetricsFile    = "metrics.jsonl"
	CheckpointsDir = "checkpoints"
	// BestDir under CheckpointsDir holds the checkpoint with the best
	// validation accuracy (runs with a validation split).
	BestDir = "best"
)

// ReadRunInfo loads a run's config.json.
func ReadRunInfo(run string) (*RunInfo, error) {
	b, err := os.ReadFile(filepath.Join(run, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("train: %s is not a run folder: %w", run, err)
	}
	var ri RunInfo
	if err := json.Unmarshal(b, &ri); err != nil {
		return nil, fmt.Errorf("train: %s: %w", filepath.Join(run, ConfigFile), err)
	}
	return &ri, nil
}

func (ri *RunInfo) write(run string) error {
	b, err := json.MarshalIndent(ri, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(run, ConfigFile), append(b, '\n'))
}
