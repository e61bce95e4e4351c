package recipe

import "fmt"

// champion is the ACCV 2022 winner's recipe on WebiNat-5000, as far as
// their report and code tell it (../shared/DESIGN.md): ViT-L/16 at 448
// from their MAE, Swin-V2-B/L at 384 from ImageNet-22K weights (window
// 12 -> 24), sub-center ArcFace with adaptive margins or CE with Mixup and
// logit adjustment, Softmax-EQL, flip TTA, soups of the last 5 (Swin-B)
// and 7 (Swin-L) checkpoints, pseudo-label rounds retrained from the
// pretrained weights (Test-A at 0.5, then Test-B at 0.475, 0.45, 0.4),
// the weighted ensemble of 17 models (power 25) and one-pass
// re-distribution with K 11 on Test-A and 16 on Test-B. Which of the 17
// models were trained in which round is not published: the split below
// (5 + 2 + 3 + 3 + 4) is ours.
func champion() Recipe {
	steps := []Step{
		{Name: "pretrain_mae", Kind: Pretrain, Preset: "mae-vit-l16-224", Set: []string{"epochs=1600"},
			Note: "MAE ViT-L/16 on train + Test-A, 1600 epochs (reported: 16 A100-80G for about a week)"},
		{Name: "in22k_swinv2_b", Kind: Import, Weights: "timm/swinv2_base_window12_192.ms_in22k",
			Note: "Swin-V2-B ImageNet-22K weights, window 12 at 192 px"},
		{Name: "in22k_swinv2_l", Kind: Import, Weights: "timm/swinv2_large_window12_192.ms_in22k",
			Note: "Swin-V2-L ImageNet-22K weights, window 12 at 192 px"},
	}
	type model struct{ name, preset, init string }
	vitArc := model{"vit_l_arc", "vit-l16-448-arc", "pretrain_mae"}
	vitEQL := model{"vit_l_arc_eql", "vit-l16-448-arc-eql", "pretrain_mae"}
	vitCE := model{"vit_l_ce", "vit-l16-448-ce", "pretrain_mae"}
	swinB := model{"swin_b_arc", "swinv2-b-384-arc", "in22k_swinv2_b"}
	swinL := model{"swin_l_arc", "swinv2-l-384-arc", "in22k_swinv2_l"}
	swinLEQL := model{"swin_l_arc_eql", "swinv2-l-384-arc-eql", "in22k_swinv2_l"}
	rounds := []struct {
		splits    []string
		threshold float64
		models    []model
	}{
		{nil, 0, []model{vitArc, vitCE, swinB, swinL, swinLEQL}},
		{[]string{"testa"}, 0.5, []model{vitEQL, swinL}},
		{[]string{"testa", "testb"}, 0.475, []model{vitArc, swinB, swinL}},
		{[]string{"testa", "testb"}, 0.45, []model{vitEQL, swinB, swinLEQL}},
		{[]string{"testa", "testb"}, 0.4, []model{vitArc, vitCE, swinL, swinLEQL}},
	}
	var members []string
	teacher := ""
	for r, round := range rounds {
		list := ""
		if round.splits != nil {
			list = fmt.Sprintf("pseudo%d_list", r)
			steps = append(steps, Step{Name: list, Kind: Pseudo, From: teacher, Splits: round.splits, Threshold: round.threshold,
				Note: fmt.Sprintf("round %d: the ensemble's %s images above %g", r, joinSplits(round.splits), round.threshold)})
		}
		for _, m := range round.models {
			name := fmt.Sprintf("%s_r%d", m.name, r)
			steps = append(steps, Step{Name: name, Kind: Finetune, Preset: m.preset, Init: m.init, List: list, NoRow: true})
			out := name + "_tta"
			switch {
			case m.preset == "swinv2-b-384-arc":
				out = name + "_soup"
				steps = append(steps, Step{Name: out, Kind: Soup, From: name, Last: 5, NoRow: true})
			case m.init == "in22k_swinv2_l":
				out = name + "_soup"
				steps = append(steps, Step{Name: out, Kind: Soup, From: name, Last: 7, NoRow: true})
			default:
				steps = append(steps, Step{Name: out, Kind: TTA, From: name, NoRow: true})
			}
			if m.preset == "vit-l16-448-ce" { // logit adjustment belongs to the CE models
				steps = append(steps, Step{Name: name + "_adjust", Kind: Adjust, From: out, Tau: 1, NoRow: true})
				out = name + "_adjust"
			}
			members = append(members, out)
		}
		teacher = fmt.Sprintf("ensemble_r%d", r)
		steps = append(steps, Step{Name: teacher, Kind: Ensemble, Members: append([]string{}, members...),
			Note: fmt.Sprintf("weighted ensemble of %d models (acc / min acc)^25", len(members))})
	}
	steps = append(steps,
		Step{Name: "redistribute", Kind: Redistribute, From: teacher, Method: Champion, K: map[string]int{"testa": 11, "testb": 16},
			Base: teacher, Note: "one pass, K 11 on Test-A (60K/5000 = 12) and 16 on Test-B (90K/5000 = 18)"},
		Step{Name: "submission", Kind: Submit, Members: []string{"redistribute"}},
	)
	return Recipe{Budget: "presets", Data: DataSize{Train: 830_000, TestA: 60_000, TestB: 90_000, Classes: 5000}, Steps: steps}
}

func init() {
	Recipes.Register("champion", "the ACCV 2022 winner's GPU recipe on WebiNat-5000 (to plan and cost: fgia reproduce --recipe champion --plan)", champion)
}
