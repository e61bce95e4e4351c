package reproduce

import (
	"fmt"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/pretrain"
	"github.com/fgia/fgia/fgia/train"
)

// Geometry is the models' input: Size x Size pixels, gray or RGB. The
// demo presets are 28x28 gray (Fashion-MNIST); other data sets set theirs.
type Geometry struct {
	Size int
	RGB  bool
}

// DemoGeometry is WebFashion-LT's.
var DemoGeometry = Geometry{Size: 28}

func (g Geometry) channels() int {
	if g.RGB {
		return 3
	}
	return 1
}

func (g Geometry) validate() error {
	if g.Size < 8 || g.Size%4 != 0 {
		return fmt.Errorf("reproduce: image size %d must be a multiple of 4 (the demo ViT's patch) and at least 8", g.Size)
	}
	return nil
}

// augmentation is the demo recipe's transform at this geometry: light
// random-resized crops and flips for training, a plain resize for eval.
func (g Geometry) augmentation() (trainAug, eval augment.Config) {
	trainAug, eval = augment.DefaultTrain(g.Size), augment.DefaultEval(g.Size)
	if !g.RGB {
		trainAug, eval = trainAug.WithGray(0.5, 0.25), eval.WithGray(0.5, 0.25)
	}
	trainAug.Scale = [2]float64{0.75, 1}
	trainAug.RandAug.N = 0
	trainAug.Erase.Prob = 0
	eval.CropPct = 1
	return trainAug, eval
}

// swinWindows fits the demo Swin-V2's windows to the geometry: the largest
// window of at most 7 that tiles each stage's grid.
func (g Geometry) swinWindows(s *swinv2.Config) {
	grid := g.Size / s.PatchSize
	for i := range s.WindowSizes {
		w := min(7, grid)
		for grid%w != 0 {
			w--
		}
		s.WindowSizes[i], s.PretrainedWindowSizes[i] = w, 0
		grid /= 2
	}
}

// adaptTrain fits a demo training preset to the geometry (nothing to do
// for the demo's own).
func (g Geometry) adaptTrain(cfg *train.Config) {
	if g == DemoGeometry {
		return
	}
	switch {
	case cfg.Model.ViT != nil:
		cfg.Model.ViT.ImageSize, cfg.Model.ViT.Channels = g.Size, g.channels()
	case cfg.Model.SwinV2 != nil:
		cfg.Model.SwinV2.ImageSize, cfg.Model.SwinV2.Channels = g.Size, g.channels()
		g.swinWindows(cfg.Model.SwinV2)
	}
	cfg.Augment, cfg.Eval = g.augmentation()
}

// adaptPretrain fits a demo pretraining preset to the geometry.
func (g Geometry) adaptPretrain(cfg *pretrain.Config) {
	if g == DemoGeometry {
		return
	}
	switch {
	case cfg.ViT != nil:
		cfg.ViT.ImageSize, cfg.ViT.Channels = g.Size, g.channels()
	case cfg.SwinV2 != nil:
		cfg.SwinV2.ImageSize, cfg.SwinV2.Channels = g.Size, g.channels()
		g.swinWindows(cfg.SwinV2)
		cfg.MaskPatch = cfg.SwinV2.PatchSize * 2
	}
	aug, _ := g.augmentation()
	aug.Scale = cfg.Augment.Scale
	cfg.Augment = aug
}
