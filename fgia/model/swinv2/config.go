package swinv2

import (
	"fmt"
	"slices"

	"github.com/fgia/fgia/fgia/registry"
)

// Config describes one Swin-V2 backbone. Stage i works at (ImageSize/PatchSize)/2^i tokens per
// side with EmbedDim*2^i channels.
type Config struct {
	ImageSize int `json:"image_size"` // e.g. 384
	Channels  int `json:"channels"`   // 3
	PatchSize int `json:"patch_size"` // 4

	EmbedDim int   `json:"embed_dim"` // 96 for T/S, 128 for B, 192 for L
	Depths   []int `json:"depths"`    // blocks per stage, e.g. {2, 2, 18, 2}
	Heads    []int `json:"heads"`     // attention heads per stage, e.g. {4, 8, 16, 32} for B

	// WindowSizes per stage. Where a stage's resolution is <= its window, the window shrinks to
	// the resolution and that stage does not shift (as timm and Microsoft do).
	WindowSizes []int `json:"window_sizes"`
	// PretrainedWindowSizes per stage, 0 = none: the window the weights were pretrained with,
	// used to normalise the relative coordinates fed to the position-bias MLP.
	PretrainedWindowSizes []int `json:"pretrained_window_sizes"`

	MLPRatio     float64 `json:"mlp_ratio"`      // hidden width of the block MLP over the block width, 4 in Swin
	DropPathRate float64 `json:"drop_path_rate"` // stochastic depth of the last block; it grows linearly from 0
	NormEps      float64 `json:"norm_eps"`       // LayerNorm epsilon, 1e-5 as PyTorch

	// NoPatchNorm drops the LayerNorm after the patch embedding (Swin-V2 has it, so the zero
	// value keeps it).
	NoPatchNorm bool `json:"no_patch_norm,omitempty"`
}

// cpbHidden is the hidden width of the continuous position bias MLP (fixed in Swin-V2).
const cpbHidden = 512

// Registry holds the named configurations: the timm swinv2_* models at 256 px (window 16),
// the champion's 384 px fine-tuning models (window 24/24/24/12, pretrained 12/12/12/6), and
// "swinv2-demo", a tiny model for 28x28x1 images that trains on a CPU. Get returns a value
// whose slices are shared with the registry: use Preset, which copies them.
var Registry = registry.New[Config]("Swin-V2 preset")

func init() {
	base := func(img, embed int, depths, heads, win, pre []int, dpr float64) Config {
		return Config{
			ImageSize: img, Channels: 3, PatchSize: 4,
			EmbedDim: embed, Depths: depths, Heads: heads,
			WindowSizes: win, PretrainedWindowSizes: pre,
			MLPRatio: 4, DropPathRate: dpr, NormEps: 1e-5,
		}
	}
	w16 := []int{16, 16, 16, 8}
	w24 := []int{24, 24, 24, 12}
	none := []int{0, 0, 0, 0}
	pre12 := []int{12, 12, 12, 6}
	// Drop-path rates are the ones Microsoft trained each model with.
	Registry.Register("swinv2-t", "Swin-V2-T at 256, window 16 (timm swinv2_tiny_window16_256)",
		base(256, 96, []int{2, 2, 6, 2}, []int{3, 6, 12, 24}, w16, none, 0.2))
	Registry.Register("swinv2-s", "Swin-V2-S at 256, window 16 (timm swinv2_small_window16_256)",
		base(256, 96, []int{2, 2, 18, 2}, []int{3, 6, 12, 24}, w16, none, 0.3))
	Registry.Register("swinv2-b", "Swin-V2-B at 256, window 16 (timm swinv2_base_window16_256)",
		base(256, 128, []int{2, 2, 18, 2}, []int{4, 8, 16, 32}, w16, none, 0.5))
	// timm has Swin-V2-L at 256 only as the 22k model fine-tuned from window 12.
	Registry.Register("swinv2-l", "Swin-V2-L at 256, window 16 from pretrained 12 (timm swinv2_large_window12to16_192to256)",
		base(256, 192, []int{2, 2, 18, 2}, []int{6, 12, 24, 48}, w16, pre12, 0.2))
	// The champion's backbones: 22k-pretrained at 192/window 12, fine-tuned at 384/window 24.
	Registry.Register("swinv2-b-384", "the champion's Swin-V2-B at 384, windows 24/24/24/12 from pretrained 12/12/12/6",
		base(384, 128, []int{2, 2, 18, 2}, []int{4, 8, 16, 32}, w24, pre12, 0.2))
	Registry.Register("swinv2-l-384", "the champion's Swin-V2-L at 384, windows 24/24/24/12 from pretrained 12/12/12/6",
		base(384, 192, []int{2, 2, 18, 2}, []int{6, 12, 24, 48}, w24, pre12, 0.2))
	Registry.Register("swinv2-demo", "the CPU demo: 28x28 gray, patch 2, embed 32, 2 stages, window 7", Config{
		ImageSize: 28, Channels: 1, PatchSize: 2,
		EmbedDim: 32, Depths: []int{2, 2}, Heads: []int{2, 4},
		WindowSizes: []int{7, 7}, PretrainedWindowSizes: []int{0, 0},
		MLPRatio: 4, DropPathRate: 0.1, NormEps: 1e-5,
	})
}

// Preset returns a copy of the named configuration.
func Preset(name string) (Config, error) {
	c, err := Registry.Get(name)
	if err != nil {
		return Config{}, fmt.Errorf("swinv2: %w", err)
	}
	return c.Clone(), nil
}

// Presets returns a copy of every named configuration, by name.
func Presets() map[string]Config {
	out := map[string]Config{}
	for _, n := range Registry.Names() {
		out[n], _ = Preset(n)
	}
	return out
}

// PresetNames returns the preset names, sorted.
func PresetNames() []string { return Registry.Names() }

// Clone returns c with its per-stage slices copied.
func (c Config) Clone() Config {
	c.Depths = slices.Clone(c.Depths)
	c.Heads = slices.Clone(c.Heads)
	c.WindowSizes = slices.Clone(c.WindowSizes)
	c.PretrainedWindowSizes = slices.Clone(c.PretrainedWindowSizes)
	return c
}

// Validate reports the first inconsistency in c for square ImageSize x ImageSize inputs.
func (c Config) Validate() error {
	switch {
	case c.ImageSize <= 0 || c.Channels <= 0 || c.PatchSize <= 0:
		return fmt.Errorf("swinv2: ImageSize, Channels and PatchSize must be positive, got %d, %d, %d",
			c.ImageSize, c.Channels, c.PatchSize)
	case c.EmbedDim <= 0:
		return fmt.Errorf("swinv2: EmbedDim must be positive, got %d", c.EmbedDim)
	case len(c.Depths) == 0:
		return fmt.Errorf("swinv2: Depths is empty")
	case len(c.Heads) != len(c.Depths) || len(c.WindowSizes) != len(c.Depths) ||
		len(c.PretrainedWindowSizes) != len(c.Depths):
		return fmt.Errorf("swinv2: Depths, Heads, WindowSizes and PretrainedWindowSizes need one entry per stage, "+
			"got %d, %d, %d, %d", len(c.Depths), len(c.Heads), len(c.WindowSizes), len(c.PretrainedWindowSizes))
	case c.MLPRatio <= 0 || c.hiddenDim(c.EmbedDim) <= 0:
		return fmt.Errorf("swinv2: MLPRatio must be positive, got %g", c.MLPRatio)
	case c.DropPathRate < 0 || c.DropPathRate >= 1:
		return fmt.Errorf("swinv2: DropPathRate must be in [0, 1), got %g", c.DropPathRate)
	case c.NormEps <= 0:
		return fmt.Errorf("swinv2: NormEps must be positive, got %g", c.NormEps)
	}
	for i := range c.Depths {
		dim := c.StageDim(i)
		switch {
		case c.Depths[i] <= 0:
			return fmt.Errorf("swinv2: stage %d: depth must be positive, got %d", i, c.Depths[i])
		case c.Heads[i] <= 0 || dim%c.Heads[i] != 0:
			return fmt.Errorf("swinv2: stage %d: %d heads do not divide its %d channels", i, c.Heads[i], dim)
		case c.WindowSizes[i] <= 0:
			return fmt.Errorf("swinv2: stage %d: window must be positive, got %d", i, c.WindowSizes[i])
		case c.PretrainedWindowSizes[i] < 0 || c.PretrainedWindowSizes[i] == 1:
			// The coordinate table divides by (pretrained-1).
			return fmt.Errorf("swinv2: stage %d: pretrained window must be 0 (none) or >= 2, got %d",
				i, c.PretrainedWindowSizes[i])
		}
	}
	_, err := c.geometry(c.ImageSize, c.ImageSize)
	return err
}

// StageDim is the channel width of stage i.
func (c Config) StageDim(i int) int { return c.EmbedDim << i }

// FeatureDim is the width of the final feature map and of Features' output.
func (c Config) FeatureDim() int { return c.StageDim(len(c.Depths) - 1) }

// hiddenDim is the block MLP's hidden width for a block of width dim (int(dim*ratio), as timm).
func (c Config) hiddenDim(dim int) int { return int(float64(dim) * c.MLPRatio) }

// dropPathRates returns the stochastic-depth rate of every block, stage by stage, rising
// linearly from 0 at the first block to DropPathRate at the last (Microsoft's linspace).
func (c Config) dropPathRates() [][]float64 {
	total := 0
	for _, d := range c.Depths {
		total += d
	}
	rates := make([][]float64, len(c.Depths))
	k := 0
	for i, d := range c.Depths {
		rates[i] = make([]float64, d)
		for j := range d {
			if total > 1 {
				rates[i][j] = c.DropPathRate * float64(k) / float64(total-1)
			}
			k++
		}
	}
	return rates
}

// stageGeom is where a stage runs: its token grid and the effective window and shift.
type stageGeom struct {
	H, W       int // token grid of the stage (after its patch merging)
	WinH, WinW int // effective window
	ShiftH     int // shift of the odd (shifted) blocks; 0 when the window covers the axis
	ShiftW     int
	Pretrained int // pretrained window, 0 = none
}

// numWindows is the number of windows per image.
func (s stageGeom) numWindows() int { return (s.H / s.WinH) * (s.W / s.WinW) }

// windowArea is the number of tokens per window.
func (s stageGeom) windowArea() int { return s.WinH * s.WinW }

// shifted reports whether the odd blocks of the stage shift their windows.
func (s stageGeom) shifted() bool { return s.ShiftH > 0 || s.ShiftW > 0 }

// geometry lays out every stage for an imgH x imgW input, clipping windows as timm does: on an
// axis whose resolution r is <= the window, the window becomes r and that axis does not shift.
func (c Config) geometry(imgH, imgW int) ([]stageGeom, error) {
	if imgH%c.PatchSize != 0 || imgW%c.PatchSize != 0 {
		return nil, fmt.Errorf("swinv2: image %dx%d is not a multiple of the patch size %d", imgH, imgW, c.PatchSize)
	}
	h, w := imgH/c.PatchSize, imgW/c.PatchSize
	geo := make([]stageGeom, len(c.Depths))
	for i := range c.Depths {
		if i > 0 {
			if h%2 != 0 || w%2 != 0 {
				return nil, fmt.Errorf("swinv2: stage %d: patch merging needs an even grid, got %dx%d", i, h, w)
			}
			h, w = h/2, w/2
		}
		win := c.WindowSizes[i]
		g := stageGeom{H: h, W: w, WinH: win, WinW: win, ShiftH: win / 2, ShiftW: win / 2,
			Pretrained: c.PretrainedWindowSizes[i]}
		if h <= win {
			g.WinH, g.ShiftH = h, 0
		}
		if w <= win {
			g.WinW, g.ShiftW = w, 0
		}
		if h%g.WinH != 0 || w%g.WinW != 0 {
			return nil, fmt.Errorf("swinv2: stage %d: grid %dx%d is not a multiple of the window %dx%d",
				i, h, w, g.WinH, g.WinW)
		}
		geo[i] = g
	}
	return geo, nil
}

// String gives a one-line summary, for logs.
func (c Config) String() string {
	return fmt.Sprintf("SwinV2(img=%d ch=%d patch=%d embed=%d depths=%v heads=%v windows=%v pretrained=%v mlp=%g dpr=%g)",
		c.ImageSize, c.Channels, c.PatchSize, c.EmbedDim, c.Depths, c.Heads, c.WindowSizes,
		c.PretrainedWindowSizes, c.MLPRatio, c.DropPathRate)
}
