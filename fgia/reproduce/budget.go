// Package reproduce runs the champion's whole recipe as an ablation: each
// row adds one technique to the previous pipeline (baseline, cleaning,
// ArcFace, sub-center ArcFace with adaptive margins, Softmax-EQL, MAE
// pretraining, flip TTA, model soup, weighted ensemble, pseudo-label
// rounds, self-distillation, logit adjustment, label re-distribution), is a
// real run scored on Test-A and Test-B, and lands in ablation.parquet and
// ablation.md with its predictions, plots and a submission file.
//
// Every stage writes its files atomically and is skipped when they exist,
// and every training run resumes from its last checkpoint, so a killed
// reproduction continues where it stopped.
package reproduce

import (
	"fmt"
	"slices"
)

// PseudoRound is one pseudo-label round: the teacher's predictions on
// Splits whose top probability exceeds Threshold join the training list.
type PseudoRound struct {
	Splits    []string
	Threshold float64
}

// Budget sizes a reproduction.
type Budget struct {
	Name string
	// Epochs and Batch of every fine-tuning run; MaxSteps > 0 caps each
	// run (smoke tests).
	Epochs   float64
	Batch    int
	MaxSteps int
	// PretrainEpochs of MAE (ViT) and SimMIM (Swin-V2) on train + test.
	PretrainEpochs float64
	PretrainBatch  int
	// SoupK is how many of a run's last checkpoints (one per epoch) the
	// uniform soup averages.
	SoupK int
	// Rounds of pseudo-labels (the champion: Test-A at 0.5, then Test-B).
	Rounds []PseudoRound
	// Temperature of self-distillation from the ensemble.
	Temperature float64
	// Power of the ensemble weights (acc_i / min acc)^Power.
	Power float64
}

// Budgets are the named budgets.
var Budgets = map[string]Budget{
	// quick: about 1K training images (fgia demo-data --quick) in well
	// under 15 minutes on 2 cores.
	"quick": {Name: "quick", Epochs: 30, Batch: 64, PretrainEpochs: 20, PretrainBatch: 64, SoupK: 3,
		Rounds: []PseudoRound{{Splits: []string{"testa", "testb"}, Threshold: 0.5}}, Temperature: 2, Power: 25},
	// full: the reference run on the default WebFashion-LT.
	"full": {Name: "full", Epochs: 10, Batch: 128, PretrainEpochs: 10, PretrainBatch: 256, SoupK: 5,
		Rounds: []PseudoRound{
			{Splits: []string{"testa"}, Threshold: 0.5},
			{Splits: []string{"testa", "testb"}, Threshold: 0.45},
		}, Temperature: 2, Power: 25},
	// smoke: every stage runs a few steps, for tests of the pipeline itself.
	"smoke": {Name: "smoke", Epochs: 1, Batch: 16, MaxSteps: 4, PretrainEpochs: 1, PretrainBatch: 16, SoupK: 2,
		Rounds: []PseudoRound{{Splits: []string{"testa", "testb"}, Threshold: 0.2}}, Temperature: 2, Power: 25},
}

// BudgetNames lists the budgets.
func BudgetNames() []string {
	var out []string
	for n := range Budgets {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// GetBudget returns a named budget.
func GetBudget(name string) (Budget, error) {
	b, ok := Budgets[name]
	if !ok {
		return Budget{}, fmt.Errorf("reproduce: unknown budget %q (known: %v)", name, BudgetNames())
	}
	return b, nil
}
