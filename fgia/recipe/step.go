package recipe

import (
	"fmt"
	"strings"
)

// Kind is what a step does.
type Kind string

// The kinds of step.
const (
	// Pretrain is self-supervised pretraining (MAE for ViT, SimMIM for
	// Swin-V2) on the train and test images, without labels.
	Pretrain Kind = "pretrain"
	// Import starts from public weights (fgia import).
	Import Kind = "import"
	// Finetune trains a classifier and predicts both test splits.
	Finetune Kind = "finetune"
	// Distill is Finetune where the test images listed in List learn a
	// teacher's outputs softened at Temperature (KL scaled by T^2, plus
	// hard-label cross-entropy with weight 1 - Alpha).
	Distill Kind = "distill"
	// TTA predicts with flip test-time augmentation.
	TTA Kind = "tta"
	// Soup averages a run's last checkpoints and predicts with flip TTA.
	Soup Kind = "soup"
	// Ensemble is the weighted mean of its members' softmax, weights
	// (Test-A acc / min acc)^power.
	Ensemble Kind = "ensemble"
	// Pseudo writes a training list: the cleaned list plus the teacher's
	// test images whose top probability exceeds Threshold.
	Pseudo Kind = "pseudo"
	// Select is the member with the best Test-A accuracy.
	Select Kind = "select"
	// Adjust is post-hoc logit adjustment z - tau log(prior), for models
	// trained with cross-entropy.
	Adjust Kind = "adjust"
	// Redistribute re-balances the labels of a uniform test split.
	Redistribute Kind = "redistribute"
	// KSweep scores one-pass re-distribution over K (0.6 to 1.1 N/C).
	KSweep Kind = "ksweep"
	// Submit writes the submission CSVs from the member best on Test-A.
	Submit Kind = "submit"
)

// Kinds lists every kind.
var Kinds = []Kind{Pretrain, Import, Finetune, Distill, TTA, Soup, Ensemble, Pseudo, Select, Adjust, Redistribute, KSweep, Submit}

// Re-distribution methods.
const (
	Champion  = "champion"  // the champion's one pass (their script: the last write wins)
	Exclusive = "exclusive" // fgia's one pass: most starved class first, an image moves once
	Sinkhorn  = "sinkhorn"  // entropic optimal transport to a uniform class marginal
)

// Training lists a Finetune step can name besides a Pseudo step.
const (
	CleanList    = "clean"    // meta/train_clean.txt, what fgia clean kept
	BaselineList = "baseline" // everything readable, uncleaned
)

// Step is one step of a recipe. Which fields matter depends on Kind.
type Step struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Base is the row this one is compared with (its delta); "" for none.
	Base string `json:"base,omitempty"`
	Note string `json:"note,omitempty"`
	// NoRow computes the step for later ones without a row in the table.
	NoRow bool `json:"no_row,omitempty"`

	// Pretrain, Finetune, Distill: a training or pretraining preset, the
	// training list (CleanList, BaselineList or a Pseudo step), the step
	// whose weights start this one, and overrides of the preset
	// ("path=value", fgia/override paths of train.Config or
	// pretrain.Config, as `fgia train --set`).
	Preset string   `json:"preset,omitempty"`
	List   string   `json:"list,omitempty"`
	Init   string   `json:"init,omitempty"`
	Set    []string `json:"set,omitempty"`

	// Import: the weights (a hub name such as timm/NAME, or a file).
	Weights string `json:"weights,omitempty"`

	// TTA, Soup, Pseudo, Adjust, Redistribute, KSweep: the step read.
	From string `json:"from,omitempty"`
	// Ensemble, Select, Submit: the steps combined or chosen from.
	Members []string `json:"members,omitempty"`

	// Pseudo: the test splits labelled and the probability threshold.
	Splits    []string `json:"splits,omitempty"`
	Threshold float64  `json:"threshold,omitempty"`

	// Distill: the teacher step, temperature and the weight of the
	// distillation term.
	Teacher     string  `json:"teacher,omitempty"`
	Temperature float64 `json:"temperature,omitempty"`
	Alpha       float64 `json:"alpha,omitempty"`

	// Soup: checkpoints averaged (0: the budget's).
	Last int `json:"last,omitempty"`
	// Adjust: tau.
	Tau float64 `json:"tau,omitempty"`
	// Redistribute: the method, and K as a fraction of N/C (0: the
	// fraction that scores best on Test-A; KSweep draws the curve).
	Method string  `json:"method,omitempty"`
	KFrac  float64 `json:"k_frac,omitempty"`
	// K by split overrides KFrac where given (the champion's 11 on Test-A,
	// 16 on Test-B).
	K map[string]int `json:"k,omitempty"`
}

// Trains says whether the step trains a model.
func (s Step) Trains() bool { return s.Kind == Finetune || s.Kind == Distill || s.Kind == Pretrain }

// Predicts says whether the step yields prediction files.
func (s Step) Predicts() bool {
	switch s.Kind {
	case Finetune, Distill, TTA, Soup, Ensemble, Select, Adjust, Redistribute:
		return true
	}
	return false
}

// IsRow says whether the step is a row of the ablation table.
func (s Step) IsRow() bool { return s.Predicts() && !s.NoRow }

// HasRun says whether the step leaves a run folder (weights).
func (s Step) HasRun() bool {
	switch s.Kind {
	case Pretrain, Import, Finetune, Distill, Soup:
		return true
	}
	return false
}

// validate checks s against the steps before it.
func (s Step) validate(before map[string]Step) error {
	ref := func(field, name string, ok func(Step) bool, want string) error {
		if name == "" {
			return fmt.Errorf("%s is empty", field)
		}
		b, found := before[name]
		if !found {
			return fmt.Errorf("%s %q is not an earlier step", field, name)
		}
		if !ok(b) {
			return fmt.Errorf("%s %q is a %s step, want %s", field, name, b.Kind, want)
		}
		return nil
	}
	predicts := func(b Step) bool { return b.Predicts() }
	trained := func(b Step) bool { return b.Kind == Finetune || b.Kind == Distill }
	if s.Base != "" {
		if err := ref("base", s.Base, func(b Step) bool { return b.IsRow() }, "a row"); err != nil {
			return err
		}
	}
	switch s.Kind {
	case Pretrain:
		if s.Preset == "" {
			return fmt.Errorf("a pretraining step needs a preset")
		}
	case Import:
		if s.Weights == "" {
			return fmt.Errorf("an import step needs weights")
		}
	case Finetune, Distill:
		if s.Preset == "" {
			return fmt.Errorf("a %s step needs a preset", s.Kind)
		}
		if s.List != "" && s.List != CleanList && s.List != BaselineList {
			if err := ref("list", s.List, func(b Step) bool { return b.Kind == Pseudo }, "a pseudo step"); err != nil {
				return err
			}
		}
		if s.Init != "" {
			if err := ref("init", s.Init, func(b Step) bool { return b.HasRun() }, "a step with weights"); err != nil {
				return err
			}
		}
		for _, a := range s.Set {
			if !strings.Contains(a, "=") {
				return fmt.Errorf("override %q: want path=value", a)
			}
		}
		if s.Kind == Distill {
			if err := ref("teacher", s.Teacher, predicts, "a step with predictions"); err != nil {
				return err
			}
			if s.Temperature <= 0 || s.Alpha < 0 || s.Alpha > 1 {
				return fmt.Errorf("distillation needs a temperature > 0 and alpha in [0, 1], got %g and %g", s.Temperature, s.Alpha)
			}
		}
	case TTA:
		return ref("from", s.From, trained, "a trained model")
	case Soup:
		if s.Last < 0 {
			return fmt.Errorf("soup of %d checkpoints", s.Last)
		}
		return ref("from", s.From, trained, "a trained model")
	case Pseudo:
		if len(s.Splits) == 0 || s.Threshold < 0 || s.Threshold >= 1 {
			return fmt.Errorf("pseudo-labels need splits and a threshold in [0, 1), got %v and %g", s.Splits, s.Threshold)
		}
		return ref("from", s.From, predicts, "a step with predictions")
	case Ensemble, Select, Submit:
		if len(s.Members) < 1 || (s.Kind == Ensemble && len(s.Members) < 2) {
			return fmt.Errorf("%d members", len(s.Members))
		}
		for _, m := range s.Members {
			if err := ref("member", m, predicts, "a step with predictions"); err != nil {
				return err
			}
		}
	case Adjust:
		if s.Tau <= 0 {
			return fmt.Errorf("logit adjustment needs tau > 0")
		}
		return ref("from", s.From, predicts, "a step with predictions")
	case Redistribute:
		switch s.Method {
		case Champion, Exclusive, Sinkhorn:
		default:
			return fmt.Errorf("method %q: want %s, %s or %s", s.Method, Champion, Exclusive, Sinkhorn)
		}
		if s.KFrac < 0 || s.KFrac > 2 {
			return fmt.Errorf("K fraction %g of N/C not in [0, 2]", s.KFrac)
		}
		return ref("from", s.From, predicts, "a step with predictions")
	case KSweep:
		return ref("from", s.From, predicts, "a step with predictions")
	default:
		return fmt.Errorf("unknown kind %q", s.Kind)
	}
	return nil
}
