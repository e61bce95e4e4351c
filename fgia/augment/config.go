package augment

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ImageNet normalization statistics, timm's IMAGENET_DEFAULT_MEAN/STD.
// Constructors copy them, so a Config never aliases these arrays.
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// Config holds every knob of the train and eval pipelines. Each train stage
// can be turned off on its own for ablations (RandomCrop false, HFlip 0,
// RandAug.N 0, Erase.Prob 0). Eval uses only Size, Gray, Mean, Std and
// CropPct.
type Config struct {
	// Size is the output side: images come out Size x Size.
	Size int `json:"size"`
	// Gray outputs one channel, the ITU-R 601 luma of the (augmented) RGB
	// image; Mean and Std then hold one value each.
	Gray bool `json:"gray"`
	// Mean and Std normalize x/255 per channel; len 3, or 1 when Gray.
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`

	// RandomCrop enables RandomResizedCrop; off, training uses the eval
	// geometry (shorter side to Size/CropPct, center crop).
	RandomCrop bool       `json:"random_crop"`
	Scale      [2]float64 `json:"scale"` // RRC area fraction range (timm 0.08..1)
	Ratio      [2]float64 `json:"ratio"` // RRC aspect ratio range, sampled log-uniform (3/4..4/3)
	HFlip      float64    `json:"hflip"` // probability of a horizontal flip (0.5)

	RandAug RandAugment `json:"rand_aug"` // RandAug.N == 0 turns it off
	Erase   Erasing     `json:"erase"`    // Erase.Prob == 0 turns it off

	// CropPct is the eval center-crop fraction (timm 0.875): the shorter
	// side is first resized to floor(Size/CropPct).
	CropPct float64 `json:"crop_pct"`

	// Interpolation is the resampling filter of every resize: "" or
	// InterpBicubic (PIL's bicubic, the default), or InterpBilinear
	// (PIL's antialiased bilinear), as a timm model's pretrained_cfg names it.
	Interpolation string `json:"interpolation,omitempty"`
}

// Resampling filters of Config.Interpolation.
const (
	InterpBicubic  = "bicubic"
	InterpBilinear = "bilinear"
)

// DefaultTrain is the champion's timm training transform at the given size:
// RandomResizedCrop(scale 0.08–1, ratio 3/4–4/3, bicubic), flip 0.5,
// RandAugment rand-m9-mstd0.5-inc1, ImageNet normalization, RandomErasing
// 0.25 'pixel'.
func DefaultTrain(size int) Config {
	c := Config{
		Size:       size,
		Mean:       slices.Clone(ImageNetMean[:]),
		Std:        slices.Clone(ImageNetStd[:]),
		RandomCrop: true,
		Scale:      [2]float64{0.08, 1},
		Ratio:      [2]float64{3.0 / 4, 4.0 / 3},
		HFlip:      0.5,
		RandAug:    DefaultRandAugment(),
		Erase:      DefaultErasing(),
		CropPct:    0.875,
	}
	c.RandAug.Fill = meanFill(c.Mean)
	return c
}

// meanFill is the fill timm's create_transform gives RandAugment: the
// normalization mean in 8-bit, (124,116,104) for ImageNet statistics.
func meanFill(mean []float32) [3]uint8 {
	var f [3]uint8
	for i := range f {
		f[i] = uint8(math.Round(255 * float64(mean[min(i, len(mean)-1)])))
	}
	return f
}

// DefaultEval is timm's eval transform: resize the shorter side to
// floor(size/0.875) bicubic, center crop size, ImageNet normalization.
func DefaultEval(size int) Config {
	return Config{Size: size, Mean: slices.Clone(ImageNetMean[:]), Std: slices.Clone(ImageNetStd[:]), CropPct: 0.875}
}

// WithGray returns a copy of c that outputs one luma channel normalized
// with the given mean and std.
func (c Config) WithGray(mean, std float32) Config {
	c.Gray = true
	c.Mean = []float32{mean}
	if c.RandAug.N > 0 {
		c.RandAug.Fill = meanFill(c.Mean)
	}
	c.Std = []float32{std}
	return c
}

// Channels is the number of output channels: 1 when Gray, else 3.
func (c *Config) Channels() int {
	if c.Gray {
		return 1
	}
	return 3
}

func (c *Config) validate(train bool) error {
	if c.Size <= 0 {
		return fmt.Errorf("augment: Size = %d", c.Size)
	}
	ch := c.Channels()
	if len(c.Mean) != ch || len(c.Std) != ch {
		return fmt.Errorf("augment: %d channels need %d means and stds, got %d and %d", ch, ch, len(c.Mean), len(c.Std))
	}
	for _, s := range c.Std {
		if s == 0 {
			return errors.New("augment: zero Std")
		}
	}
	if c.Interpolation != "" && c.Interpolation != InterpBicubic && c.Interpolation != InterpBilinear {
		return fmt.Errorf("augment: interpolation %q (want %s or %s)", c.Interpolation, InterpBicubic, InterpBilinear)
	}
	if !(c.CropPct > 0 && c.CropPct <= 1) && (!train || !c.RandomCrop) {
		return fmt.Errorf("augment: CropPct = %v not in (0,1]", c.CropPct)
	}
	if !train {
		return nil
	}
	if c.RandomCrop && !(c.Scale[0] > 0 && c.Scale[0] <= c.Scale[1] && c.Ratio[0] > 0 && c.Ratio[0] <= c.Ratio[1]) {
		return fmt.Errorf("augment: bad RandomResizedCrop scale %v ratio %v", c.Scale, c.Ratio)
	}
	if c.HFlip < 0 || c.HFlip > 1 {
		return fmt.Errorf("augment: HFlip = %v not in [0,1]", c.HFlip)
	}
	if err := c.RandAug.validate(); err != nil {
		return err
	}
	return c.Erase.validate()
}
