package timm

import (
	"fmt"
	"strings"

	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/registry"
)

// Arch is a timm architecture as fgia builds it: exactly one backbone, and
// the classes of timm's linear head.
type Arch struct {
	// Name is timm's architecture name without a pretrained tag
	// ("vit_large_patch16_224", not "vit_large_patch16_224.mae").
	Name   string
	ViT    *vit.Config
	SwinV2 *swinv2.Config
	// NumClasses is the width of timm's head; 0: none (a backbone alone,
	// as MAE's checkpoints).
	NumClasses int
	// QKVBias says whether the ViT's qkv projection has a bias in the
	// checkpoint (timm's qkv_bias; fgia's ViT always has one, zero when
	// the checkpoint has none).
	QKVBias bool
}

// Family names the backbone kind: "vit" or "swinv2".
func (a Arch) Family() string {
	if a.SwinV2 != nil {
		return "swinv2"
	}
	return "vit"
}

// InputSize is the image side and channels the backbone expects.
func (a Arch) InputSize() (side, channels int) {
	if a.SwinV2 != nil {
		return a.SwinV2.ImageSize, a.SwinV2.Channels
	}
	return a.ViT.ImageSize, a.ViT.Channels
}

// clone copies the backbone so that edits do not reach the registry.
func (a Arch) clone() Arch {
	if a.ViT != nil {
		v := *a.ViT
		a.ViT = &v
	}
	if a.SwinV2 != nil {
		s := a.SwinV2.Clone()
		a.SwinV2 = &s
	}
	return a
}

// Registry holds the timm architectures fgia imports, by timm's name, with
// their timm defaults (ImageNet-1k head, 3 channels).
var Registry = registry.New[Arch]("timm architecture")

// ParseName returns the architecture of a timm model name, with or without
// a pretrained tag (".augreg_in21k", ".mae", ...).
func ParseName(name string) (Arch, error) {
	base, _, _ := strings.Cut(name, ".")
	a, err := Registry.Get(base)
	if err != nil {
		return Arch{}, fmt.Errorf("timm: %w", err)
	}
	return a.clone(), nil
}

// vitSize is one of timm's ViT widths.
type vitSize struct {
	dim, depth, heads int
	mlp               float64
}

var vitSizes = map[string]vitSize{
	"tiny": {192, 12, 3, 4}, "small": {384, 12, 6, 4}, "base": {768, 12, 12, 4},
	"large": {1024, 24, 16, 4}, "huge": {1280, 32, 16, 4},
	"giant": {1408, 40, 16, 48.0 / 11}, "gigantic": {1664, 48, 16, 64.0 / 13},
}

// swinSize is one of timm's Swin-V2 sizes.
type swinSize struct {
	embed         int
	depths, heads []int
}

var swinSizes = map[string]swinSize{
	"tiny":  {96, []int{2, 2, 6, 2}, []int{3, 6, 12, 24}},
	"small": {96, []int{2, 2, 18, 2}, []int{3, 6, 12, 24}},
	"base":  {128, []int{2, 2, 18, 2}, []int{4, 8, 16, 32}},
	"large": {192, []int{2, 2, 18, 2}, []int{6, 12, 24, 48}},
}

// registerViT adds vit_<size>_patch<patch>[<variant>]_<img>. variant is ""
// (cls token, final norm), "_gap" (no cls token, LayerNorm then mean) or
// "_miil" (no qkv bias).
func registerViT(size string, patch, img int, variant string) {
	z := vitSizes[size]
	c := vit.Config{ImageSize: img, Channels: 3, PatchSize: patch, Dim: z.dim, Depth: z.depth, Heads: z.heads,
		MLPRatio: z.mlp, ClsToken: true, Pool: vit.PoolCls, NormEps: 1e-6}
	a := Arch{ViT: &c, NumClasses: 1000, QKVBias: true}
	doc := fmt.Sprintf("ViT-%s/%d at %d, cls token", size, patch, img)
	name := fmt.Sprintf("vit_%s_patch%d_%d", size, patch, img)
	switch variant {
	case "_gap":
		c.ClsToken, c.Pool = false, vit.PoolNormAvg
		if size == "base" {
			c.Heads = 16 // as timm's vit_base_patch16_gap_224
		}
		doc = fmt.Sprintf("ViT-%s/%d at %d, no cls token, LayerNorm then mean of the tokens", size, patch, img)
		name = fmt.Sprintf("vit_%s_patch%d_gap_%d", size, patch, img)
	case "_miil":
		a.QKVBias = false
		doc += ", no qkv bias (MIIL ImageNet-21k-P)"
		name += "_miil"
	}
	a.Name = name
	Registry.Register(name, doc, a)
}

// registerSwin adds swinv2_<size>_window<w>_<img>, or with pre > 0 the
// transfer variant swinv2_<size>_window<pre>to<w>_<preImg>to<img>
// (pretrained windows pre, pre, pre, pre/2).
func registerSwin(size string, pre, w, preImg, img int) {
	z := swinSizes[size]
	n := len(z.depths)
	c := swinv2.Config{ImageSize: img, Channels: 3, PatchSize: 4, EmbedDim: z.embed,
		Depths: append([]int{}, z.depths...), Heads: append([]int{}, z.heads...),
		WindowSizes: repeat(w, n), PretrainedWindowSizes: make([]int, n), MLPRatio: 4, NormEps: 1e-5}
	name := fmt.Sprintf("swinv2_%s_window%d_%d", size, w, img)
	doc := fmt.Sprintf("Swin-V2-%s at %d, window %d", size, img, w)
	if pre > 0 {
		c.PretrainedWindowSizes = []int{pre, pre, pre, pre / 2}
		name = fmt.Sprintf("swinv2_%s_window%dto%d_%dto%d", size, pre, w, preImg, img)
		doc = fmt.Sprintf("Swin-V2-%s at %d, window %d, fine-tuned from window %d at %d (ImageNet-22k)", size, img, w, pre, preImg)
	}
	Registry.Register(name, doc, Arch{Name: name, SwinV2: &c, NumClasses: 1000, QKVBias: true})
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func init() {
	for _, v := range []struct {
		size       string
		patch, img int
		variant    string
	}{
		{"tiny", 16, 224, ""}, {"tiny", 16, 384, ""},
		{"small", 8, 224, ""}, {"small", 16, 224, ""}, {"small", 16, 384, ""}, {"small", 32, 224, ""}, {"small", 32, 384, ""},
		{"base", 8, 224, ""}, {"base", 16, 224, ""}, {"base", 16, 384, ""}, {"base", 32, 224, ""}, {"base", 32, 384, ""},
		{"base", 16, 224, "_miil"}, {"base", 16, 224, "_gap"},
		{"large", 14, 224, ""}, {"large", 16, 224, ""}, {"large", 16, 384, ""}, {"large", 32, 224, ""}, {"large", 32, 384, ""},
		{"huge", 14, 224, ""}, {"huge", 14, 224, "_gap"}, {"huge", 16, 448, "_gap"},
		{"giant", 14, 224, ""}, {"giant", 16, 224, "_gap"},
		{"gigantic", 14, 224, ""},
	} {
		registerViT(v.size, v.patch, v.img, v.variant)
	}
	for _, size := range []string{"tiny", "small", "base"} {
		registerSwin(size, 0, 8, 0, 256)
		registerSwin(size, 0, 16, 0, 256)
	}
	for _, size := range []string{"base", "large"} {
		registerSwin(size, 0, 12, 0, 192)
		registerSwin(size, 12, 16, 192, 256)
		registerSwin(size, 12, 24, 192, 384)
	}
}
