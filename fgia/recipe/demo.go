package recipe

import (
	"fmt"
	"strings"
)

// pseudoRound is one round of hard pseudo-labels.
type pseudoRound struct {
	splits    []string
	threshold float64
}

// demo is the CPU ablation on WebFashion-LT: every row changes one thing
// of the row it names as Base. rounds are its pseudo-label rounds.
func demo(rounds []pseudoRound) Recipe {
	const (
		maePreset = "demo-vit-subarc-eql" // the head and loss of the eql row, fine-tuned from MAE
		maeInit   = "pretrain_mae"
	)
	maeSet := []string{"optim.layer_decay=0.75"} // the champion's layer-wise lr decay for MAE weights
	steps := []Step{
		{Name: "baseline", Kind: Finetune, Preset: "demo-vit", List: BaselineList,
			Note: "ViT from scratch, CE + label smoothing, on the uncleaned list (only unreadable files dropped)"},
		{Name: "clean", Kind: Finetune, Preset: "demo-vit", Base: "baseline",
			Note: "fgia clean: duplicates, conflicting labels, tiny images dropped"},
		{Name: "adjust", Kind: Adjust, From: "clean", Tau: 1, Base: "clean",
			Note: "post-hoc logit adjustment z - log(prior) on the CE model (it learned the training prior)"},
		{Name: "arcface", Kind: Finetune, Preset: "demo-vit-arc", Base: "clean",
			Note: "ArcFace head (s 30, fixed m 0.3, margin ramped in over the warmup) at the champion's ArcFace lr 1e-3"},
		{Name: "subcenter", Kind: Finetune, Preset: "demo-vit-subarc", Base: "arcface",
			Note: "sub-center ArcFace, k 3 centres a class, same fixed margin"},
		{Name: "adaptive", Kind: Finetune, Preset: "demo-vit-subarc-adaptive", Base: "subcenter",
			Note: "per-class adaptive margins 0.05..0.5 (rare classes larger) instead of the fixed 0.3"},
		{Name: "eql", Kind: Finetune, Preset: "demo-vit-subarc-eql", Base: "adaptive",
			Note: "Softmax-EQL with accumulated gradient statistics instead of CE"},
		{Name: maeInit, Kind: Pretrain, Preset: "mae-vit-demo",
			Note: "MAE (mask 0.75) on train + Test-A + Test-B images, no labels"},
		{Name: "mae", Kind: Finetune, Preset: maePreset, Init: maeInit, Set: maeSet, Base: "eql",
			Note: "the eql row fine-tuned from the MAE weights, layer decay 0.75"},
		{Name: "tta", Kind: TTA, From: "mae", Base: "mae", Note: "mean of the logits of the image and its mirror"},
		{Name: "soup", Kind: Soup, From: "mae", Base: "tta", Note: "uniform soup of the last epoch checkpoints, flip TTA"},
		{Name: "pretrain_simmim", Kind: Pretrain, Preset: "simmim-swin-demo",
			Note: "SimMIM (mask ratio 0.6) for Swin-V2 on train + test images"},
		{Name: "swin", Kind: Finetune, Preset: "demo-swin-subarc-eql", Init: "pretrain_simmim",
			Note: "Swin-V2 from SimMIM, the eql head and loss: a second architecture for the ensemble (no base: it changes two things)"},
		{Name: "swin_soup", Kind: Soup, From: "swin", NoRow: true},
	}
	members := []string{"soup", "swin_soup"}
	for _, m := range []string{"eql", "adaptive", "subcenter", "arcface"} {
		steps = append(steps, Step{Name: m + "_tta", Kind: TTA, From: m, NoRow: true})
		members = append(members, m+"_tta")
	}
	steps = append(steps,
		Step{Name: "ensemble", Kind: Ensemble, Members: members, Base: "soup",
			Note: "weighted ensemble of the MAE soup, the Swin-V2 soup and the four head/loss rows with TTA; weights from Test-A"},
		Step{Name: "redistribute_ensemble", Kind: Redistribute, From: "ensemble", Method: Champion, Base: "ensemble",
			Note: "the champion's one-pass re-distribution straight after the ensemble, K chosen on Test-A"},
	)
	teacher := "ensemble"
	var pseudoFinal string
	for i, r := range rounds {
		n := fmt.Sprintf("pseudo%d", i+1)
		steps = append(steps,
			Step{Name: n + "_list", Kind: Pseudo, From: teacher, Splits: r.splits, Threshold: r.threshold},
			Step{Name: n, Kind: Finetune, Preset: maePreset, Init: maeInit, Set: maeSet, List: n + "_list", Base: "mae",
				Note: fmt.Sprintf("the mae row retrained from the MAE weights on the cleaned list + %s images the teacher (%s) gives > %g", joinSplits(r.splits), teacher, r.threshold)},
			Step{Name: n + "_soup", Kind: Soup, From: n, NoRow: true},
			Step{Name: "ensemble_" + n, Kind: Ensemble, Members: append(append([]string{}, members...), n+"_soup"), Base: "ensemble",
				Note: fmt.Sprintf("the ensemble plus the round-%d model's soup", i+1)},
		)
		teacher, pseudoFinal = "ensemble_"+n, "ensemble_"+n
	}
	steps = append(steps,
		Step{Name: "distill_list", Kind: Pseudo, From: "ensemble", Splits: []string{"testa", "testb"}, Threshold: 0},
		Step{Name: "distill", Kind: Distill, Preset: maePreset, Init: maeInit, Set: maeSet, List: "distill_list",
			Teacher: "ensemble", Temperature: 2, Alpha: 0.5, Base: "mae",
			Note: "the mae row retrained from the MAE weights with every test image distilled from the ensemble: 0.5 T^2 KL at T 2 + 0.5 CE on its argmax; train images keep CE"},
		Step{Name: "distill_soup", Kind: Soup, From: "distill", NoRow: true},
		Step{Name: "ensemble_distill", Kind: Ensemble, Members: append(append([]string{}, members...), "distill_soup"), Base: "ensemble",
			Note: "the ensemble plus the distilled model's soup"},
		Step{Name: "final", Kind: Select, Members: []string{pseudoFinal, "ensemble_distill"},
			Note: "the better of pseudo-labels and distillation on Test-A"},
		Step{Name: "redistribute", Kind: Redistribute, From: "final", Method: Champion, Base: "final",
			Note: "the champion's one pass: classes predicted fewer than K times take their most probable images (last write wins); K chosen on Test-A"},
		Step{Name: "redistribute_exclusive", Kind: Redistribute, From: "final", Method: Exclusive, Base: "final",
			Note: "fgia's one pass: most starved class first, an image moves once, no class falls below K; K chosen on Test-A"},
		Step{Name: "redistribute_sinkhorn", Kind: Redistribute, From: "final", Method: Sinkhorn, Base: "final",
			Note: "Sinkhorn: entropic optimal transport to a uniform class marginal"},
		Step{Name: "k_sweep", Kind: KSweep, From: "final"},
		Step{Name: "submission", Kind: Submit, Members: []string{"final", "redistribute", "redistribute_exclusive", "redistribute_sinkhorn"},
			Note: "the candidate best on Test-A"},
	)
	return Recipe{Budget: "full", Data: DataSize{Train: 15_000, TestA: 4_000, TestB: 6_000, Classes: 10}, Steps: steps}
}

func joinSplits(s []string) string { return strings.Join(s, "+") }

func init() {
	Recipes.Register("demo", "the CPU ablation on WebFashion-LT (make reproduce): one factor a row, two pseudo-label rounds", func() Recipe {
		return demo([]pseudoRound{{[]string{"testa"}, 0.5}, {[]string{"testa", "testb"}, 0.45}})
	})
	Recipes.Register("quick", "the demo rows with one pseudo-label round, sized for the quick demo set (make test)", func() Recipe {
		r := demo([]pseudoRound{{[]string{"testa", "testb"}, 0.5}})
		r.Budget, r.Data = "quick", DataSize{Train: 1_100, TestA: 200, TestB: 300, Classes: 10}
		return r
	})
}
