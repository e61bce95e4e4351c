// Package pretrain is self-supervised pretraining on unlabelled images:
// MAE for ViT (mask 75% of the patches, encode only the visible ones, a
// light decoder reconstructs the per-patch normalised pixels of the masked
// ones) and SimMIM for Swin-V2 (a learned mask token replaces masked
// patches at a coarse mask grid, a one-layer head with pixel shuffle
// predicts the pixels, L1 loss on masked pixels).
//
// The encoder's variables live in the classifier's backbone scope, so a
// pretraining run's checkpoint starts a fine-tuning run as it is
// (`fgia train --init RUN`). Runs use fine-tuning's engine (fgia/train.Loop):
// the same atomic checkpoints, resume after a kill, progress, metrics and
// NaN stop.
package pretrain

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/override"
	"github.com/fgia/fgia/fgia/registry"
)

// Methods.
const (
	MethodMAE    = "mae"
	MethodSimMIM = "simmim"
)

// Decoder is MAE's decoder: a narrow transformer over all patch positions.
type Decoder struct {
	Dim   int `json:"dim"`
	Depth int `json:"depth"`
	Heads int `json:"heads"`
}

// Config is a complete pretraining recipe.
type Config struct {
	Preset    string         `json:"preset,omitempty"`
	Method    string         `json:"method"`
	ViT       *vit.Config    `json:"vit,omitempty"`    // MAE's encoder
	SwinV2    *swinv2.Config `json:"swinv2,omitempty"` // SimMIM's encoder
	Decoder   Decoder        `json:"decoder,omitempty"`
	MaskRatio float64        `json:"mask_ratio"`
	// MaskPatch is SimMIM's mask cell side in pixels (32 in SimMIM): a
	// multiple of the Swin patch size.
	MaskPatch    int            `json:"mask_patch,omitempty"`
	Optim        optim.AdamW    `json:"optim"`
	Epochs       float64        `json:"epochs"`
	WarmupEpochs float64        `json:"warmup_epochs"`
	BatchSize    int            `json:"batch_size"`
	Augment      augment.Config `json:"augment"`
	Seed         uint64         `json:"seed"`
	MaxSteps     int            `json:"max_steps,omitempty"`
	// Precision of the encoder's and decoder's matmuls: "" / "f32", or
	// "bf16" (float32 weights and loss), as model.Spec.Precision.
	Precision string `json:"precision,omitempty"`
	// CheckpointEvery is in steps (0: every epoch); Keep checkpoints stay.
	CheckpointEvery int `json:"checkpoint_every"`
	Keep            int `json:"keep"`
	LogEvery        int `json:"log_every"`
}

// Validate checks the recipe.
func (c Config) Validate() error {
	var side, ch int
	switch c.Method {
	case MethodMAE:
		if c.ViT == nil || c.SwinV2 != nil {
			return fmt.Errorf("pretrain: MAE pretrains a ViT (and only a ViT)")
		}
		if err := c.ViT.Validate(); err != nil {
			return err
		}
		d := c.Decoder
		if d.Dim <= 0 || d.Depth <= 0 || d.Heads <= 0 || d.Dim%d.Heads != 0 {
			return fmt.Errorf("pretrain: MAE decoder %+v (dim a multiple of heads)", d)
		}
		if keep := c.keptPatches(); keep < 1 || keep >= c.ViT.Grid()*c.ViT.Grid() {
			return &override.FieldError{Path: "mask_ratio", Value: c.MaskRatio,
				Want: fmt.Sprintf("a ratio that keeps between 1 and %d of the %d patches", c.ViT.Grid()*c.ViT.Grid()-1, c.ViT.Grid()*c.ViT.Grid())}
		}
		side, ch = c.ViT.ImageSize, c.ViT.Channels
	case MethodSimMIM:
		if c.SwinV2 == nil || c.ViT != nil {
			return fmt.Errorf("pretrain: SimMIM pretrains a Swin-V2 (and only a Swin-V2)")
		}
		s := c.SwinV2
		if err := s.Validate(); err != nil {
			return err
		}
		if c.MaskPatch <= 0 || c.MaskPatch%s.PatchSize != 0 || s.ImageSize%c.MaskPatch != 0 {
			return fmt.Errorf("pretrain: SimMIM mask patch %d must be a multiple of the patch size %d and divide the image size %d", c.MaskPatch, s.PatchSize, s.ImageSize)
		}
		if c.MaskRatio <= 0 || c.MaskRatio >= 1 {
			return &override.FieldError{Path: "mask_ratio", Value: c.MaskRatio, Want: "in (0, 1)"}
		}
		side, ch = s.ImageSize, s.Channels
	default:
		return fmt.Errorf("pretrain: method %q (mae or simmim)", c.Method)
	}
	if _, err := c.computeDType(); err != nil {
		return err
	}
	err := override.First(
		override.Check(c.Epochs > 0 || (c.Epochs == 0 && c.MaxSteps > 0), "epochs", c.Epochs, "> 0 (or 0 with max_steps > 0)"),
		override.Check(c.MaxSteps >= 0, "max_steps", c.MaxSteps, ">= 0"),
		override.Check(c.WarmupEpochs >= 0, "warmup_epochs", c.WarmupEpochs, ">= 0"),
		override.Check(c.BatchSize >= 1, "batch_size", c.BatchSize, ">= 1"),
		override.Check(c.Keep >= 1, "keep", c.Keep, ">= 1 checkpoint"),
		override.Check(c.CheckpointEvery >= 0, "checkpoint_every", c.CheckpointEvery, ">= 0 steps (0: every epoch)"),
		override.Check(c.LogEvery >= 0, "log_every", c.LogEvery, ">= 0 steps"),
		override.Within("optim", c.Optim.ValidateSettings()))
	if err != nil {
		return err
	}
	switch {
	case c.Augment.Size != side || c.Augment.Channels() != ch:
		return fmt.Errorf("pretrain: augmentation gives %dx%dx%d images, the encoder wants %dx%dx%d",
			c.Augment.Size, c.Augment.Size, c.Augment.Channels(), side, side, ch)
	}
	return nil
}

// computeDType is the matmul dtype Precision asks for.
func (c Config) computeDType() (dtypes.DType, error) {
	return model.Spec{Precision: c.Precision}.ComputeDType()
}

// keptPatches is how many patches MAE's encoder sees.
func (c Config) keptPatches() int {
	n := c.ViT.Grid() * c.ViT.Grid()
	return int(float64(n) * (1 - c.MaskRatio))
}

type builder func() (Config, error)

// Registry holds the pretraining presets by name.
var Registry = registry.New[builder]("pretraining preset")

// Preset returns a named recipe.
func Preset(name string) (Config, error) {
	build, err := Registry.Get(name)
	if err != nil {
		return Config{}, fmt.Errorf("pretrain: %w", err)
	}
	c, err := build()
	if err != nil {
		return Config{}, err
	}
	c.Preset = name
	return c, c.Validate()
}

// Names lists the presets, sorted.
func Names() []string { return Registry.Names() }

// Doc describes a preset in one line.
func Doc(name string) string { return Registry.Doc(name) }

// maeAugment is MAE's pretraining transform: random-resized crops keeping
// 20-100% of the image and flips, nothing else.
func maeAugment(a augment.Config) augment.Config {
	a.Scale = [2]float64{0.2, 1}
	a.RandAug.N = 0
	a.Erase.Prob = 0
	return a
}

// mimOptim is AdamW with MAE's betas (0.9, 0.95), wd 0.05, warmup from 0.
func mimOptim(lr, minLR float64) optim.AdamW {
	o := optim.DefaultAdamW(optim.Schedule{LR: lr, MinLR: minLR})
	o.Beta2 = 0.95
	return o
}

func demoAugment() augment.Config {
	return maeAugment(augment.DefaultTrain(28).WithGray(0.286, 0.353)) // Fashion-MNIST statistics
}

func init() {
	reg := Registry.Register
	reg("mae-vit-demo", "MAE on vit-demo (28x28 gray): decoder 48-d x 2 blocks x 4 heads, mask 0.75", func() (Config, error) {
		v, err := vit.Preset("vit-demo")
		v.DropPathRate = 0 // MAE pretrains without stochastic depth
		return Config{Method: MethodMAE, ViT: &v, Decoder: Decoder{Dim: 48, Depth: 2, Heads: 4}, MaskRatio: 0.75,
			Optim: mimOptim(1.5e-3, 1e-5), Epochs: 10, WarmupEpochs: 1, BatchSize: 256, Augment: demoAugment(),
			Seed: 1, Keep: 3, LogEvery: 10}, err
	})
	reg("simmim-swin-demo", "SimMIM on swinv2-demo (28x28 gray): mask cells of 4 px, ratio 0.6", func() (Config, error) {
		s := swinv2.Presets()["swinv2-demo"]
		s.DropPathRate = 0
		return Config{Method: MethodSimMIM, SwinV2: &s, MaskRatio: 0.6, MaskPatch: 4,
			Optim: mimOptim(1e-3, 1e-5), Epochs: 10, WarmupEpochs: 1, BatchSize: 128, Augment: demoAugment(),
			Seed: 1, Keep: 3, LogEvery: 10}, nil
	})
	// The champion's MAE: ViT-L/16 at 224, decoder 512 x 8 x 16, mask 0.75,
	// AdamW 2.4e-3 (1.5e-4 x 4096/256) betas (0.9, 0.95) wd 0.05, 40 warmup
	// epochs then cosine, batch 4096 (MAE's reference schedule: 800 epochs).
	reg("mae-vit-l16-224", "the champion's MAE: ViT-L/16 at 224, decoder 512x8x16, mask 0.75, lr 2.4e-3 at batch 4096", func() (Config, error) {
		v, err := vit.Preset("vit-l16-224")
		v.DropPathRate = 0
		return Config{Method: MethodMAE, ViT: &v, Decoder: Decoder{Dim: 512, Depth: 8, Heads: 16}, MaskRatio: 0.75,
			Optim: mimOptim(2.4e-3, 0), Epochs: 800, WarmupEpochs: 40, BatchSize: 4096,
			Augment: maeAugment(augment.DefaultTrain(224)), Seed: 1, Keep: 3, LogEvery: 50}, err
	})
	// SimMIM for Swin-V2 as its paper trained it: 192 px, window 12, mask
	// cells of 32 px at ratio 0.6, AdamW 1e-4 x 2048/512 wd 0.05, 10 warmup
	// epochs, 800 epochs; fine-tuning at 384 then uses pretrained window 12.
	for _, name := range []string{"swinv2-b", "swinv2-l"} {
		reg("simmim-"+name+"-192", "SimMIM on "+name+" at 192 px, window 12, mask cells 32 px, ratio 0.6", func() (Config, error) {
			s := swinv2.Presets()[name+"-384"]
			s.ImageSize, s.WindowSizes, s.PretrainedWindowSizes, s.DropPathRate = 192, []int{12, 12, 12, 6}, []int{0, 0, 0, 0}, 0.1
			return Config{Method: MethodSimMIM, SwinV2: &s, MaskRatio: 0.6, MaskPatch: 32,
				Optim: mimOptim(4e-4, 1e-6), Epochs: 800, WarmupEpochs: 10, BatchSize: 2048,
				Augment: maeAugment(augment.DefaultTrain(192)), Seed: 1, Keep: 3, LogEvery: 50}, nil
		})
	}
}
