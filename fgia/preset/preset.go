// Package preset is the registry of named training recipes: the ACCV 2022
// champion's configurations (ViT-L/16 at 448 with sub-center ArcFace and
// adaptive margins, or with cross-entropy, Mixup/CutMix and label smoothing)
// and small CPU recipes for the demo and the tests. `fgia train --preset
// NAME` starts from one; the number of classes comes from the data.
package preset

import (
	"fmt"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/loss"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/registry"
	"github.com/fgia/fgia/fgia/train"
)

type builder func(classes int) (train.Config, error)

// Registry holds the training presets by name.
var Registry = registry.New[builder]("training preset")

func register(name, doc string, b builder) { Registry.Register(name, doc, b) }

// Get returns the recipe called name for a data set of the given classes.
func Get(name string, classes int) (train.Config, error) {
	build, err := Registry.Get(name)
	if err != nil {
		return train.Config{}, fmt.Errorf("preset: %w", err)
	}
	if classes < 2 {
		return train.Config{}, fmt.Errorf("preset: %d classes", classes)
	}
	c, err := build(classes)
	if err != nil {
		return c, err
	}
	c.Preset = name
	return c, c.Validate()
}

// Names lists the presets, sorted.
func Names() []string { return Registry.Names() }

// Doc describes a preset in one line.
func Doc(name string) string { return Registry.Doc(name) }

// Heads of the champion's recipe.
func arcHead(classes int) head.Config {
	return head.Config{Kind: head.SubCenter, Classes: classes, Scale: 30, Margin: 0.3, SubCenters: 3,
		Adaptive: true, MarginMin: 0.05, MarginRange: 0.45}
}

func linearHead(classes int) head.Config { return head.Config{Kind: head.Linear, Classes: classes} }

func ceLoss() loss.Config { return loss.Config{Kind: loss.CE, LabelSmoothing: 0.1} }

func eqlLoss() loss.Config { return loss.Config{Kind: loss.EQL, EQLTau: 1, EQLEps: 1e-4} }

func vitSpec(name string, h head.Config) (model.Spec, error) {
	c, err := vit.Preset(name)
	if err != nil {
		return model.Spec{}, err
	}
	return model.Spec{ViT: &c, Head: h}, nil
}

func swinSpec(name string, h head.Config) (model.Spec, error) {
	c, ok := swinv2.Presets()[name]
	if !ok {
		return model.Spec{}, fmt.Errorf("preset: no Swin-V2 preset %q", name)
	}
	return model.Spec{SwinV2: &c, Head: h}, nil
}

// demo is the CPU recipe on 28x28 gray images: short, so lightly
// regularised — no RandAugment (designed for photographs), no random
// erasing, random-resized crops keeping at least 75% of the image, flips.
func demo(backbone string, h func(classes int) head.Config, l loss.Config) builder {
	return func(classes int) (train.Config, error) {
		spec, err := vitSpec(backbone, h(classes))
		if backbone == "swinv2-demo" {
			spec, err = swinSpec(backbone, h(classes))
		}
		if err != nil {
			return train.Config{}, err
		}
		aug := augment.DefaultTrain(28).WithGray(0.286, 0.353) // Fashion-MNIST statistics
		aug.Scale = [2]float64{0.75, 1}
		aug.RandAug.N = 0
		aug.Erase.Prob = 0
		eval := augment.DefaultEval(28).WithGray(0.286, 0.353)
		eval.CropPct = 1
		o := optim.DefaultAdamW(optim.Schedule{LR: 2e-3, MinLR: 1e-5, WarmupFrom: 1e-2})
		return train.Config{Model: spec, Loss: l, Optim: o, Epochs: 10, WarmupEpochs: 1, BatchSize: 128,
			Augment: aug, Eval: eval, Sampler: train.SamplerShuffle, Seed: 1, Keep: 5, LogEvery: 10}, nil
	}
}

// demoSharp is the accuracy recipe for the 28x28 demo: no random-resized
// crops, since on so few pixels every resampling blurs the image and the
// small model underfits rather than overfits; flips only, at the eval
// geometry, for 15 epochs (14 minutes on 2 cores with the XLA CPU plugin).
func demoSharp(backbone string) builder {
	return func(classes int) (train.Config, error) {
		c, err := demo(backbone, linearHead, ceLoss())(classes)
		c.Augment.RandomCrop = false
		c.Augment.CropPct = c.Eval.CropPct
		c.Epochs = 15
		return c, err
	}
}

// champion is the ViT-L/16 recipe at 448: MAE-pretrained backbone, drop path
// 0.1, layer decay 0.75, AdamW wd 0.05, 5 warmup epochs from 1e-4x, cosine
// to 1e-6, batch 256; ArcFace at lr 1e-3 or CE (+ Mixup/CutMix, label
// smoothing) at 2e-3.
func champion(arc bool, l loss.Config) builder {
	return func(classes int) (train.Config, error) {
		h := linearHead(classes)
		lr := 2e-3
		var mix *augment.Mixup
		if arc {
			h, lr = arcHead(classes), 1e-3
		} else {
			m := augment.DefaultMixup()
			mix = &m
		}
		spec, err := vitSpec("vit-l16-448", h)
		if err != nil {
			return train.Config{}, err
		}
		o := optim.DefaultAdamW(optim.Schedule{LR: lr, MinLR: 1e-6, WarmupFrom: 1e-4})
		o.LayerDecay = 0.75
		return train.Config{Model: spec, Loss: l, Optim: o, Epochs: 30, WarmupEpochs: 5, BatchSize: 256,
			Augment: augment.DefaultTrain(448), Eval: augment.DefaultEval(448), Mixup: mix,
			Sampler: train.SamplerShuffle, Seed: 1, Keep: 7, LogEvery: 50}, nil
	}
}

// swinChampion is the Swin-V2 recipe at 384: windows 24/24/24/12 from
// pretrained 12/12/12/6, drop path 0.2, AdamW 1e-4, 2 warmup epochs, cosine
// to 1e-5, 20 epochs, sub-center ArcFace with adaptive margins.
func swinChampion(name string, l loss.Config) builder {
	return func(classes int) (train.Config, error) {
		spec, err := swinSpec(name, arcHead(classes))
		if err != nil {
			return train.Config{}, err
		}
		spec.SwinV2.DropPathRate = 0.2
		o := optim.DefaultAdamW(optim.Schedule{LR: 1e-4, MinLR: 1e-5, WarmupFrom: 1e-2})
		return train.Config{Model: spec, Loss: l, Optim: o, Epochs: 20, WarmupEpochs: 2, BatchSize: 256,
			Augment: augment.DefaultTrain(384), Eval: augment.DefaultEval(384),
			Sampler: train.SamplerShuffle, Seed: 1, Keep: 7, LogEvery: 50}, nil
	}
}

// Demo heads: ArcFace-family heads on the CPU demo train from a random
// start, so their margins ramp in over the first two epochs (head.Config
// MarginWarmupEpochs) and they use the champion's ArcFace lr 1e-3; the loss
// keeps the CE rows' label smoothing so that each demo row changes one
// thing.
func demoArc(k int, adaptive bool) func(classes int) head.Config {
	return func(classes int) head.Config {
		h := head.Config{Kind: head.ArcFace, Classes: classes, Scale: 30, Margin: 0.3, MarginWarmupEpochs: 2}
		if k > 1 {
			h.Kind, h.SubCenters = head.SubCenter, k
		}
		if adaptive {
			h.Adaptive, h.MarginMin, h.MarginRange = true, 0.05, 0.45
		}
		return h
	}
}

// demoArcLR is demo with the champion's lr for margin heads.
func demoArcLR(backbone string, h func(classes int) head.Config, l loss.Config) builder {
	return func(classes int) (train.Config, error) {
		c, err := demo(backbone, h, l)(classes)
		c.Optim.Schedule.LR = 1e-3
		return c, err
	}
}

func init() {
	smoothed := func(l loss.Config) loss.Config { l.LabelSmoothing = 0.1; return l }
	register("demo-vit", "CPU demo: ViT (D 64, 5 blocks) on 28x28 gray, linear head, CE + label smoothing", demo("vit-demo", linearHead, ceLoss()))
	register("demo-vit-fmnist", "CPU accuracy recipe for balanced Fashion-MNIST: demo-vit with flips only (no resampling crops), 15 epochs", demoSharp("vit-demo"))
	register("demo-vit-arc", "CPU demo with an ArcFace head (s 30, m 0.3 ramped in over 2 epochs), lr 1e-3", demoArcLR("vit-demo", demoArc(1, false), ceLoss()))
	register("demo-vit-subarc", "CPU demo with sub-center ArcFace (k 3, m 0.3)", demoArcLR("vit-demo", demoArc(3, false), ceLoss()))
	register("demo-vit-subarc-adaptive", "CPU demo with sub-center ArcFace (k 3) and adaptive margins 0.05..0.5", demoArcLR("vit-demo", demoArc(3, true), ceLoss()))
	register("demo-vit-subarc-eql", "CPU demo: sub-center ArcFace, adaptive margins, Softmax-EQL", demoArcLR("vit-demo", demoArc(3, true), smoothed(eqlLoss())))
	register("demo-swin", "CPU demo: Swin-V2 (embed 32, 2 stages) on 28x28 gray, linear head, CE + label smoothing", demo("swinv2-demo", linearHead, ceLoss()))
	register("demo-swin-subarc-eql", "CPU demo: Swin-V2, sub-center ArcFace, adaptive margins, Softmax-EQL", demoArcLR("swinv2-demo", demoArc(3, true), smoothed(eqlLoss())))
	register("swinv2-b-384-arc", "champion: Swin-V2-B at 384 (windows 24/24/24/12), sub-center ArcFace, lr 1e-4", swinChampion("swinv2-b-384", loss.Config{Kind: loss.CE}))
	register("swinv2-l-384-arc", "champion: Swin-V2-L at 384, sub-center ArcFace, lr 1e-4", swinChampion("swinv2-l-384", loss.Config{Kind: loss.CE}))
	register("swinv2-l-384-arc-eql", "champion: Swin-V2-L at 384, sub-center ArcFace, Softmax-EQL", swinChampion("swinv2-l-384", eqlLoss()))
	register("vit-l16-448-arc", "champion: ViT-L/16 at 448, sub-center ArcFace k 3 with adaptive margins, lr 1e-3, layer decay 0.75", champion(true, loss.Config{Kind: loss.CE}))
	register("vit-l16-448-arc-eql", "champion ViT-L/16 448 ArcFace recipe with Softmax-EQL", champion(true, eqlLoss()))
	register("vit-l16-448-ce", "champion: ViT-L/16 at 448, CE + label smoothing 0.1 + Mixup 0.8 / CutMix 1.0, lr 2e-3", champion(false, ceLoss()))
}
