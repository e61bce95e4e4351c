package recipe

import (
	"fmt"

	"github.com/fgia/fgia/fgia/override"
	"github.com/fgia/fgia/fgia/preset"
	"github.com/fgia/fgia/fgia/pretrain"
	"github.com/fgia/fgia/fgia/train"
)

// TrainConfig is the training recipe of a Finetune or Distill step: its
// preset for the classes, adapted by adapt (a data set's geometry; may be
// nil), sized by the budget, then the step's overrides.
func TrainConfig(s Step, b Budget, classes int, adapt func(*train.Config)) (train.Config, error) {
	cfg, err := preset.Get(s.Preset, classes)
	if err != nil {
		return cfg, fmt.Errorf("step %s: %w", s.Name, err)
	}
	if adapt != nil {
		adapt(&cfg)
	}
	if b.Epochs > 0 {
		cfg.Epochs = b.Epochs
		cfg.WarmupEpochs = min(cfg.WarmupEpochs, b.Epochs/10)
		cfg.CheckpointEvery = 0 // one checkpoint an epoch: the soup's ingredients
	}
	if b.Batch > 0 {
		cfg.BatchSize = b.Batch
	}
	if b.MaxSteps > 0 {
		cfg.MaxSteps, cfg.CheckpointEvery = b.MaxSteps, 1
	}
	cfg.Keep = max(cfg.Keep, b.SoupK, s.Last)
	if err := override.SetAll(&cfg, s.Set); err != nil {
		return cfg, fmt.Errorf("step %s: %w", s.Name, err)
	}
	return cfg, cfg.Validate()
}

// PretrainConfig is the recipe of a Pretrain step, built as TrainConfig's.
func PretrainConfig(s Step, b Budget, adapt func(*pretrain.Config)) (pretrain.Config, error) {
	cfg, err := pretrain.Preset(s.Preset)
	if err != nil {
		return cfg, fmt.Errorf("step %s: %w", s.Name, err)
	}
	if adapt != nil {
		adapt(&cfg)
	}
	if b.PretrainEpochs > 0 {
		cfg.Epochs = b.PretrainEpochs
		cfg.WarmupEpochs = min(cfg.WarmupEpochs, b.PretrainEpochs/10)
	}
	if b.PretrainBatch > 0 {
		cfg.BatchSize = b.PretrainBatch
	}
	if b.MaxSteps > 0 {
		cfg.MaxSteps = b.MaxSteps
	}
	if err := override.SetAll(&cfg, s.Set); err != nil {
		return cfg, fmt.Errorf("step %s: %w", s.Name, err)
	}
	return cfg, cfg.Validate()
}
