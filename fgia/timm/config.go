package timm

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"

	"github.com/fgia/fgia/fgia/model/vit"
)

// HubConfig is the config.json of a timm model folder on the Hugging Face
// hub (what timm's push_to_hf_hub / save_for_hf write).
type HubConfig struct {
	Architecture string `json:"architecture"`
	// NumClasses overrides pretrained_cfg's (timm's reading of the file).
	NumClasses  *int           `json:"num_classes,omitempty"`
	NumFeatures int            `json:"num_features,omitempty"`
	GlobalPool  string         `json:"global_pool,omitempty"`
	ModelArgs   map[string]any `json:"model_args,omitempty"`
	Pretrained  PretrainedCfg  `json:"pretrained_cfg"`
}

// PretrainedCfg is the part of timm's pretrained_cfg fgia reads and writes:
// the input and its preprocessing, and the head.
type PretrainedCfg struct {
	Tag            string    `json:"tag,omitempty"`
	CustomLoad     bool      `json:"custom_load"`
	InputSize      []int     `json:"input_size,omitempty"` // channels, height, width
	FixedInputSize bool      `json:"fixed_input_size"`
	Interpolation  string    `json:"interpolation,omitempty"`
	CropPct        float64   `json:"crop_pct,omitempty"`
	CropMode       string    `json:"crop_mode,omitempty"`
	Mean           []float64 `json:"mean,omitempty"`
	Std            []float64 `json:"std,omitempty"`
	NumClasses     *int      `json:"num_classes,omitempty"`
	GlobalPool     string    `json:"global_pool,omitempty"`
	FirstConv      string    `json:"first_conv,omitempty"`
	Classifier     string    `json:"classifier,omitempty"`
}

// ReadHubConfig reads a config.json, in the current layout (architecture,
// model_args and pretrained_cfg at the top) or the legacy one (a single
// pretrained_cfg dict holding the architecture).
func ReadHubConfig(path string) (HubConfig, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return HubConfig{}, fmt.Errorf("timm: %w", err)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return HubConfig{}, fmt.Errorf("timm: %s: %w", path, err)
	}
	var h HubConfig
	if _, ok := probe["pretrained_cfg"]; ok {
		err = json.Unmarshal(raw, &h)
	} else {
		err = json.Unmarshal(raw, &h.Pretrained)
		if err == nil {
			err = json.Unmarshal(raw, &struct {
				Architecture *string `json:"architecture"`
			}{&h.Architecture})
		}
	}
	if err != nil {
		return HubConfig{}, fmt.Errorf("timm: %s: %w", path, err)
	}
	if h.Architecture == "" {
		return HubConfig{}, fmt.Errorf("timm: %s names no architecture", path)
	}
	return h, nil
}

// Arch resolves the architecture as timm's create_model does for this
// config: the name's defaults, then pretrained_cfg's num_classes,
// global_pool, channels and (when the input size is fixed) image size, then
// the top-level num_classes, then model_args.
func (h HubConfig) Arch() (Arch, error) {
	a, err := ParseName(h.Architecture)
	if err != nil {
		return Arch{}, err
	}
	args := map[string]any{}
	p := h.Pretrained
	if p.NumClasses != nil && *p.NumClasses >= 0 {
		args["num_classes"] = float64(*p.NumClasses)
	}
	if h.NumClasses != nil && *h.NumClasses >= 0 {
		args["num_classes"] = float64(*h.NumClasses)
	}
	if p.GlobalPool != "" {
		args["global_pool"] = p.GlobalPool
	}
	if len(p.InputSize) == 3 {
		args["in_chans"] = float64(p.InputSize[0])
		if p.FixedInputSize {
			args["img_size"] = []any{float64(p.InputSize[1]), float64(p.InputSize[2])}
		}
	}
	for k, v := range h.ModelArgs {
		args[k] = v
	}
	if err := a.apply(args); err != nil {
		return Arch{}, fmt.Errorf("timm: %s: %w", h.Architecture, err)
	}
	return a, nil
}

// WithArgs returns a copy of a with timm keyword arguments applied, as
// create_model(name, **args) would (values as JSON decodes them).
func (a Arch) WithArgs(args map[string]any) (Arch, error) {
	a = a.clone()
	if err := a.apply(args); err != nil {
		return Arch{}, fmt.Errorf("timm: %s: %w", a.Name, err)
	}
	return a, nil
}

// trainingOnly are keyword arguments that change training, not the
// weights or the forward pass at inference.
var trainingOnly = map[string]bool{
	"drop_rate": true, "pos_drop_rate": true, "patch_drop_rate": true, "proj_drop_rate": true,
	"attn_drop_rate": true, "weight_init": true, "pretrained_strict": true, "fix_init": true,
}

// neutral are keyword arguments fgia accepts only at the value that leaves
// the standard architecture (an LayerScale, register tokens, a pre-norm,
// ... would change the forward pass).
var neutral = map[string]map[string]any{
	"vit": {"init_values": nil, "reg_tokens": 0.0, "no_embed_class": false, "pre_norm": false,
		"final_norm": true, "qk_norm": false, "dynamic_img_size": false, "dynamic_img_pad": false,
		"class_token_init": nil, "act_layer": "gelu", "strict_img_size": true},
	"swinv2": {"qkv_bias": true, "global_pool": "avg", "always_partition": false, "strict_img_size": true,
		"act_layer": "gelu"},
}

// apply sets a's architecture from timm keyword arguments.
func (a *Arch) apply(args map[string]any) error {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pool := newPoolChoice(a)
	for _, k := range keys {
		v := args[k]
		if trainingOnly[k] {
			continue
		}
		if want, ok := neutral[a.Family()][k]; ok {
			if !sameValue(v, want) {
				return fmt.Errorf("model_args %s = %v: fgia builds only %v", k, v, want)
			}
			continue
		}
		ints, floats := a.shared()
		var err error
		switch {
		case ints[k] != nil:
			*ints[k], err = square(v)
		case floats[k] != nil:
			*floats[k], err = number(v)
		case a.ViT != nil:
			err = a.applyViT(k, v, &pool)
		default:
			err = a.applySwin(k, v)
		}
		if err != nil {
			return fmt.Errorf("model_args %s = %v: %w", k, v, err)
		}
	}
	if a.ViT != nil {
		return pool.resolve(a.ViT)
	}
	return nil
}

// poolChoice gathers timm's global_pool and fc_norm, which decide the
// pooling together.
type poolChoice struct {
	global string
	fcNorm *bool
}

func newPoolChoice(a *Arch) poolChoice {
	if a.ViT == nil {
		return poolChoice{}
	}
	no := false
	switch a.ViT.Pool {
	case vit.PoolAvg:
		return poolChoice{global: "avg"}
	case vit.PoolNormAvg:
		return poolChoice{global: "avg", fcNorm: &no}
	}
	return poolChoice{global: "token"}
}

// resolve picks fgia's pooling the way timm's VisionTransformer does: fc_norm
// defaults to whether the pool averages.
func (p poolChoice) resolve(c *vit.Config) error {
	fc := p.global == "avg"
	if p.fcNorm != nil {
		fc = *p.fcNorm
	}
	switch {
	case p.global == "token" && !fc:
		if !c.ClsToken {
			return fmt.Errorf("global_pool token needs a class token")
		}
		c.Pool = vit.PoolCls
	case p.global == "avg" && fc:
		c.Pool = vit.PoolAvg
	case p.global == "avg":
		c.Pool = vit.PoolNormAvg
	default:
		return fmt.Errorf("global_pool %q with fc_norm %v is not supported (token, or avg with or without fc_norm)", p.global, fc)
	}
	return nil
}

// shared are the keyword arguments both families take, as pointers into a:
// the sizes (an int, or a square pair for the image and patch) and the
// ratios.
func (a *Arch) shared() (ints map[string]*int, floats map[string]*float64) {
	if c := a.ViT; c != nil {
		return map[string]*int{"img_size": &c.ImageSize, "patch_size": &c.PatchSize, "in_chans": &c.Channels, "num_classes": &a.NumClasses},
			map[string]*float64{"mlp_ratio": &c.MLPRatio, "drop_path_rate": &c.DropPathRate}
	}
	c := a.SwinV2
	return map[string]*int{"img_size": &c.ImageSize, "patch_size": &c.PatchSize, "in_chans": &c.Channels, "num_classes": &a.NumClasses},
		map[string]*float64{"mlp_ratio": &c.MLPRatio, "drop_path_rate": &c.DropPathRate}
}

func (a *Arch) applyViT(k string, v any, pool *poolChoice) error {
	c := a.ViT
	var err error
	switch k {
	case "embed_dim":
		c.Dim, err = integer(v)
	case "depth":
		c.Depth, err = integer(v)
	case "num_heads":
		c.Heads, err = integer(v)
	case "qkv_bias":
		a.QKVBias, err = boolean(v)
	case "class_token":
		c.ClsToken, err = boolean(v)
	case "global_pool":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("not a string")
		}
		pool.global = s
	case "fc_norm":
		if v == nil {
			pool.fcNorm = nil
			return nil
		}
		b, err := boolean(v)
		pool.fcNorm = &b
		return err
	default:
		return fmt.Errorf("not an argument fgia's ViT knows")
	}
	return err
}

func (a *Arch) applySwin(k string, v any) error {
	c := a.SwinV2
	n := len(c.Depths)
	var err error
	switch k {
	case "embed_dim":
		c.EmbedDim, err = integer(v)
	case "depths":
		if c.Depths, err = integers(v); err == nil && len(c.Depths) != n {
			// The per-stage lists follow the new depth count.
			n = len(c.Depths)
			c.WindowSizes = repeat(c.WindowSizes[0], n)
			c.PretrainedWindowSizes = make([]int, n)
		}
	case "num_heads":
		c.Heads, err = integers(v)
	case "window_size":
		var w int
		if w, err = square(v); err == nil {
			c.WindowSizes = repeat(w, n)
		}
	case "pretrained_window_sizes":
		c.PretrainedWindowSizes, err = integers(v)
	default:
		return fmt.Errorf("not an argument fgia's Swin-V2 knows")
	}
	return err
}

func number(v any) (float64, error) {
	f, ok := v.(float64)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	return f, nil
}

func integer(v any) (int, error) {
	f, err := number(v)
	if err != nil || f != math.Trunc(f) {
		return 0, fmt.Errorf("not an integer")
	}
	return int(f), nil
}

func boolean(v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("not a boolean")
	}
	return b, nil
}

func integers(v any) ([]int, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a list")
	}
	out := make([]int, len(list))
	for i, x := range list {
		n, err := integer(x)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// square reads an int, or a [h, w] pair with h == w (fgia's models are
// square).
func square(v any) (int, error) {
	if n, err := integer(v); err == nil {
		return n, nil
	}
	pair, err := integers(v)
	if err != nil || len(pair) != 2 {
		return 0, fmt.Errorf("not an integer or a pair")
	}
	if pair[0] != pair[1] {
		return 0, fmt.Errorf("%dx%d is not square (fgia's models are)", pair[0], pair[1])
	}
	return pair[0], nil
}

// sameValue compares a JSON-decoded value with a neutral one.
func sameValue(v, want any) bool {
	if s, ok := v.(string); ok {
		if w, ok := want.(string); ok {
			return s == w
		}
		return false
	}
	if f, ok := v.(float64); ok {
		if w, ok := want.(float64); ok {
			return f == w
		}
		return false
	}
	if l, ok := v.([]any); ok {
		return len(l) == 0 && want == nil
	}
	return v == want
}

// Preprocess is the input a model expects and how an image is brought to
// it, from pretrained_cfg (timm's resolve_data_config defaults where the
// config says nothing).
type Preprocess struct {
	Size, Channels int
	Interpolation  string // "bicubic" or "bilinear"
	CropPct        float64
	Mean, Std      []float64
}

// timm's defaults (timm.data.constants).
var (
	defaultMean = []float64{0.485, 0.456, 0.406}
	defaultStd  = []float64{0.229, 0.224, 0.225}
)

const defaultCropPct = 0.875

// Preprocess reads the preprocessing for a (whose input size and channels
// win over the config's, which may predate an --img-size change).
func (h HubConfig) Preprocess(a Arch) (Preprocess, error) {
	side, ch := a.InputSize()
	p := h.Pretrained
	out := Preprocess{Size: side, Channels: ch, Interpolation: p.Interpolation, CropPct: p.CropPct,
		Mean: slices.Clone(p.Mean), Std: slices.Clone(p.Std)}
	if out.Interpolation == "" {
		out.Interpolation = "bicubic"
	}
	if out.Interpolation != "bicubic" && out.Interpolation != "bilinear" {
		return Preprocess{}, fmt.Errorf("timm: %s: interpolation %q (fgia resizes bicubic or bilinear)", h.Architecture, out.Interpolation)
	}
	if p.CropMode != "" && p.CropMode != "center" {
		return Preprocess{}, fmt.Errorf("timm: %s: crop_mode %q (fgia crops at the center)", h.Architecture, p.CropMode)
	}
	if out.CropPct == 0 {
		out.CropPct = defaultCropPct
	}
	if out.Mean == nil {
		out.Mean = slices.Clone(defaultMean)
	}
	if out.Std == nil {
		out.Std = slices.Clone(defaultStd)
	}
	for _, v := range []*[]float64{&out.Mean, &out.Std} {
		switch {
		case len(*v) == ch:
		case ch == 1 && len(*v) == 3:
			// A gray model under RGB statistics: the mean of the three.
			*v = []float64{((*v)[0] + (*v)[1] + (*v)[2]) / 3}
		default:
			return Preprocess{}, fmt.Errorf("timm: %s: %d mean/std values for %d channels", h.Architecture, len(*v), ch)
		}
	}
	return out, nil
}
