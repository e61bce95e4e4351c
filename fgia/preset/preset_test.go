package preset

import "testing"

func TestEveryPresetIsValid(t *testing.T) {
	for _, name := range Names() {
		c, err := Get(name, 5000)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if c.Model.Head.Classes != 5000 || c.Preset != name || Doc(name) == "" {
			t.Errorf("%s: classes %d, preset %q, doc %q", name, c.Model.Head.Classes, c.Preset, Doc(name))
		}
	}
	if _, err := Get("nope", 10); err == nil {
		t.Error("unknown preset: no error")
	}
	if _, err := Get("demo-vit", 1); err == nil {
		t.Error("one class: no error")
	}
}

func TestChampionRecipes(t *testing.T) {
	c, err := Get("vit-l16-448-arc", 5000)
	if err != nil {
		t.Fatal(err)
	}
	v := c.Model.ViT
	if v == nil || v.Dim != 1024 || v.Depth != 24 || v.Heads != 16 || v.ImageSize != 448 || v.Pool != "avg" || v.DropPathRate != 0.1 {
		t.Errorf("ViT-L/16-448: %+v", v)
	}
	if c.Optim.LayerDecay != 0.75 || c.Optim.Schedule.LR != 1e-3 || c.Optim.WeightDecay != 0.05 || c.WarmupEpochs != 5 || c.BatchSize != 256 {
		t.Errorf("ViT-L optimizer: %+v", c.Optim)
	}
	if h := c.Model.Head; h.SubCenters != 3 || h.Scale != 30 || !h.Adaptive || h.MarginRange != 0.45 || h.MarginMin != 0.05 {
		t.Errorf("ViT-L head: %+v", h)
	}
	ce, _ := Get("vit-l16-448-ce", 5000)
	if ce.Mixup == nil || ce.Loss.LabelSmoothing != 0.1 || ce.Optim.Schedule.LR != 2e-3 {
		t.Errorf("ViT-L CE recipe: mixup %v, loss %+v, lr %g", ce.Mixup, ce.Loss, ce.Optim.Schedule.LR)
	}
	s, _ := Get("swinv2-l-384-arc-eql", 5000)
	if w := s.Model.SwinV2; w == nil || w.WindowSizes[0] != 24 || w.PretrainedWindowSizes[3] != 6 || w.DropPathRate != 0.2 || s.Loss.Kind != "eql" || s.Epochs != 20 {
		t.Errorf("Swin-V2-L recipe: %+v", s)
	}
}

// The accuracy recipe trains on the images as they are tested: no random
// crops, and the same crop fraction in both pipelines (Validate rejects
// the mismatch that trained on zoomed-in images and tested on whole ones).
func TestDemoAccuracyRecipeTrainsAtTheEvalGeometry(t *testing.T) {
	c, err := Get("demo-vit-fmnist", 10)
	if err != nil {
		t.Fatal(err)
	}
	if c.Augment.RandomCrop || c.Augment.CropPct != c.Eval.CropPct || c.Augment.HFlip != 0.5 || c.Epochs != 15 {
		t.Errorf("augment %+v, eval crop %g, epochs %g", c.Augment, c.Eval.CropPct, c.Epochs)
	}
	c.Augment.CropPct = 0.875
	if c.Validate() == nil {
		t.Error("training crop 0.875 against eval crop 1: no error")
	}
}
