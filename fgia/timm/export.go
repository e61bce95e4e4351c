package timm

import (
	"fmt"
	"slices"
	"sync"

	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
)

// FromBackbone describes an fgia backbone as a timm architecture: the
// registered name with the same transformer body if there is one (else a
// family default), with a head of the given classes (0: none). The name only
// sets timm's defaults; HubConfig's model_args rebuild the rest.
func FromBackbone(v *vit.Config, s *swinv2.Config, classes int) (Arch, error) {
	a := Arch{ViT: v, SwinV2: s, NumClasses: classes, QKVBias: true}
	switch {
	case v != nil && s == nil:
		a.Name = "vit_base_patch16_224"
	case s != nil && v == nil:
		a.Name = "swinv2_tiny_window8_256"
	default:
		return Arch{}, fmt.Errorf("timm: want exactly one backbone")
	}
	a = a.clone()
	if names := Matches(a); len(names) > 0 {
		a.Name = names[0]
	}
	return a, nil
}

// Matches lists the registered timm architectures whose transformer body
// has a's weight shapes: their checkpoints load into a (position
// embeddings resized, the head replaced; the final norm and pooling may
// differ). Image size and windows do not matter.
func Matches(a Arch) []string {
	body := bodyLayout(a)
	var out []string
	for _, r := range registeredBodies() {
		if r.family == a.Family() && sameLayout(r.body, body) {
			out = append(out, r.name)
		}
	}
	return out
}

// registeredBody is the body layout of a registered architecture.
type registeredBody struct {
	name, family string
	body         []Var
}

var (
	bodiesOnce sync.Once
	bodies     []registeredBody
)

// registeredBodies computes every registered architecture's body layout
// once (image sizes do not enter it).
func registeredBodies() []registeredBody {
	bodiesOnce.Do(func() {
		for _, name := range Registry.Names() {
			r, _ := ParseName(name)
			bodies = append(bodies, registeredBody{name, r.Family(), bodyLayout(r)})
		}
	})
	return bodies
}

func sameLayout(a, b []Var) bool {
	return slices.EqualFunc(a, b, func(x, y Var) bool { return x.Path == y.Path && slices.Equal(x.Shape, y.Shape) })
}

// bodyLayout is Layout without the head, the final norms and the token
// embeddings.
func bodyLayout(a Arch) []Var {
	a.NumClasses = 0
	var out []Var
	for _, v := range a.Layout() {
		switch v.Path {
		case BackboneScope + "/norm/gain", BackboneScope + "/norm/offset",
			BackboneScope + "/fc_norm/gain", BackboneScope + "/fc_norm/offset",
			BackboneScope + "/cls_token", BackboneScope + "/" + vit.PosEmbedName:
			continue
		}
		out = append(out, v)
	}
	return out
}

// HubConfig describes a and its preprocessing in timm's config.json: the
// architecture, every model argument timm needs to rebuild exactly this
// model, and the pretrained_cfg with the input and preprocessing.
func (a Arch) HubConfig(p Preprocess) (HubConfig, error) {
	args := map[string]any{}
	ints, floats := a.shared()
	for k, p := range ints {
		args[k] = *p
	}
	for k, p := range floats {
		args[k] = *p
	}
	side, ch := a.InputSize()
	pool := "avg"
	var features int
	if v := a.ViT; v != nil {
		features = v.Dim
		args["embed_dim"] = v.Dim
		args["depth"] = v.Depth
		args["num_heads"] = v.Heads
		args["qkv_bias"] = true // fgia's ViT always has qkv biases (zero when imported without)
		args["class_token"] = v.ClsToken
		args["fc_norm"] = v.Pool == vit.PoolAvg
		if v.Pool == vit.PoolCls {
			pool = "token"
		}
		args["global_pool"] = pool
	} else {
		s := a.SwinV2
		if s.NoPatchNorm {
			return HubConfig{}, fmt.Errorf("timm: a Swin-V2 without its patch-embedding norm has no timm equivalent")
		}
		features = s.FeatureDim()
		w, err := timmWindow(*s)
		if err != nil {
			return HubConfig{}, err
		}
		args["embed_dim"] = s.EmbedDim
		args["depths"] = s.Depths
		args["num_heads"] = s.Heads
		args["window_size"] = w
		args["pretrained_window_sizes"] = s.PretrainedWindowSizes
	}
	classes := a.NumClasses
	classifier := "head"
	if a.SwinV2 != nil {
		classifier = "head.fc"
	}
	firstConv := "patch_embed.proj"
	return HubConfig{
		Architecture: a.Name,
		NumClasses:   &classes,
		NumFeatures:  features,
		GlobalPool:   pool,
		ModelArgs:    args,
		Pretrained: PretrainedCfg{
			InputSize: []int{ch, side, side}, FixedInputSize: true,
			Interpolation: p.Interpolation, CropPct: p.CropPct, CropMode: "center",
			Mean: p.Mean, Std: p.Std, NumClasses: &classes,
			FirstConv: firstConv, Classifier: classifier,
		},
	}, nil
}

// timmWindow finds the one window size that timm, which clips a window to
// a stage's resolution, turns into fgia's per-stage windows.
func timmWindow(s swinv2.Config) (int, error) {
	res := make([]int, len(s.Depths))
	eff := make([]int, len(s.Depths))
	r := s.ImageSize / s.PatchSize
	for i := range res {
		if i > 0 {
			r /= 2
		}
		res[i] = r
		eff[i] = min(s.WindowSizes[i], r)
	}
	candidates := append(slices.Clone(s.WindowSizes), res[0])
	for _, w := range candidates {
		ok := true
		for i := range res {
			if min(w, res[i]) != eff[i] {
				ok = false
				break
			}
		}
		if ok {
			return w, nil
		}
	}
	return 0, fmt.Errorf("timm: Swin-V2 windows %v at stage resolutions %v: timm uses one window size for every stage, and none gives these", s.WindowSizes, res)
}

// SameBody reports whether two architectures' transformer bodies have the
// same weight shapes, so that one's weights load into the other (position
// embeddings resized; the final norm, pooling and head aside).
func SameBody(a, b Arch) bool {
	return a.Family() == b.Family() && sameLayout(bodyLayout(a), bodyLayout(b))
}
