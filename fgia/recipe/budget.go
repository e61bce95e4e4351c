package recipe

import (
	"fmt"

	"github.com/fgia/fgia/fgia/registry"
)

// Budget sizes the training of a recipe for a machine. Zero fields keep
// the presets' own values (the champion's recipe runs its presets as
// they are).
type Budget struct {
	Name string `json:"name"`
	// Epochs and Batch of every fine-tuning run; MaxSteps > 0 caps each
	// run (smoke tests).
	Epochs   float64 `json:"epochs"`
	Batch    int     `json:"batch"`
	MaxSteps int     `json:"max_steps"`
	// PretrainEpochs and PretrainBatch of MAE (ViT) and SimMIM (Swin-V2).
	PretrainEpochs float64 `json:"pretrain_epochs"`
	PretrainBatch  int     `json:"pretrain_batch"`
	// SoupK is how many of a run's last checkpoints (one per epoch) a soup
	// averages when its step does not say.
	SoupK int `json:"soup_k"`
	// Power of the ensemble weights (acc_i / min acc)^Power.
	Power float64 `json:"power"`
}

// Budgets is the registry of budgets.
var Budgets = registry.New[Budget]("budget")

func init() {
	Budgets.Register("quick", "about 1K training images (fgia demo-data --quick): every row in minutes on 2 cores",
		Budget{Epochs: 30, Batch: 64, PretrainEpochs: 20, PretrainBatch: 64, SoupK: 3, Power: 25})
	Budgets.Register("full", "the reference run on the default WebFashion-LT (about 70 minutes a seed on 2 cores)",
		Budget{Epochs: 10, Batch: 128, PretrainEpochs: 10, PretrainBatch: 256, SoupK: 5, Power: 25})
	Budgets.Register("smoke", "every step a few training steps: tests of the pipeline itself",
		Budget{Epochs: 1, Batch: 16, MaxSteps: 4, PretrainEpochs: 1, PretrainBatch: 16, SoupK: 2, Power: 25})
	Budgets.Register("presets", "the presets' own epochs and batches (the champion's GPU recipe)",
		Budget{SoupK: 5, Power: 25})
}

// GetBudget returns a named budget.
func GetBudget(name string) (Budget, error) {
	b, err := Budgets.Get(name)
	if err != nil {
		return b, fmt.Errorf("recipe: %w", err)
	}
	b.Name = name
	return b, nil
}

// BudgetNames lists the budgets.
func BudgetNames() []string { return Budgets.Names() }
