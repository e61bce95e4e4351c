package timm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(a Arch) bool
	}{
		{"vit_large_patch16_224.mae", func(a Arch) bool {
			v := a.ViT
			return v.Dim == 1024 && v.Depth == 24 && v.Heads == 16 && v.PatchSize == 16 && v.ImageSize == 224 && v.Pool == vit.PoolCls && a.QKVBias
		}},
		{"vit_huge_patch14_224", func(a Arch) bool { return a.ViT.PatchSize == 14 && a.ViT.Dim == 1280 && a.ViT.Depth == 32 }},
		{"vit_giant_patch14_224", func(a Arch) bool { return a.ViT.Hidden() == 6144 }},
		{"vit_base_patch16_gap_224", func(a Arch) bool { return !a.ViT.ClsToken && a.ViT.Pool == vit.PoolNormAvg && a.ViT.Heads == 16 }},
		{"vit_base_patch16_224_miil", func(a Arch) bool { return !a.QKVBias }},
		{"swinv2_base_window12to24_192to384.ms_in22k_ft_in1k", func(a Arch) bool {
			s := a.SwinV2
			return s.ImageSize == 384 && s.EmbedDim == 128 && slices.Equal(s.WindowSizes, []int{24, 24, 24, 24}) &&
				slices.Equal(s.PretrainedWindowSizes, []int{12, 12, 12, 6}) && slices.Equal(s.Depths, []int{2, 2, 18, 2})
		}},
		{"swinv2_tiny_window8_256", func(a Arch) bool { return a.SwinV2.ImageSize == 256 && a.SwinV2.WindowSizes[0] == 8 }},
	} {
		a, err := ParseName(tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !tc.check(a) || a.NumClasses != 1000 {
			t.Errorf("%s: %s", tc.name, a.describe())
		}
		if a.ViT != nil {
			if err := a.ViT.Validate(); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		} else if err := a.SwinV2.Validate(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Edits of a parsed architecture do not reach the registry.
	a, _ := ParseName("swinv2_base_window8_256")
	a.SwinV2.WindowSizes[0] = 99
	if b, _ := ParseName("swinv2_base_window8_256"); b.SwinV2.WindowSizes[0] != 8 {
		t.Error("ParseName shares the registry's slices")
	}
	if _, err := ParseName("vit_base_patch16_clip_224"); err == nil || !strings.Contains(err.Error(), "did you mean") {
		t.Errorf("unknown name: %v", err)
	}
}

func TestWithArgs(t *testing.T) {
	base, _ := ParseName("vit_base_patch16_224")
	for _, tc := range []struct {
		name string
		args map[string]any
		pool vit.Pool
		err  string
	}{
		{"avg pool brings fc_norm", map[string]any{"global_pool": "avg"}, vit.PoolAvg, ""},
		{"avg without fc_norm", map[string]any{"global_pool": "avg", "fc_norm": false}, vit.PoolNormAvg, ""},
		{"token with fc_norm", map[string]any{"fc_norm": true}, "", "not supported"},
		{"token without cls", map[string]any{"class_token": false}, "", "needs a class token"},
		{"square list size", map[string]any{"img_size": []any{384.0, 384.0}}, vit.PoolCls, ""},
		{"not square", map[string]any{"img_size": []any{384.0, 224.0}}, "", "not square"},
		{"layer scale", map[string]any{"init_values": 1e-5}, "", "init_values"},
		{"registers", map[string]any{"reg_tokens": 4.0}, "", "reg_tokens"},
		{"neutral registers", map[string]any{"reg_tokens": 0.0, "drop_rate": 0.1}, vit.PoolCls, ""},
		{"unknown", map[string]any{"block_fn": "ParallelBlock"}, "", "block_fn"},
		{"fractional depth", map[string]any{"depth": 2.5}, "", "not an integer"},
	} {
		a, err := base.WithArgs(tc.args)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if a.ViT.Pool != tc.pool {
			t.Errorf("%s: pool %s, want %s", tc.name, a.ViT.Pool, tc.pool)
		}
	}
	if base.ViT.Pool != vit.PoolCls {
		t.Error("WithArgs changed its receiver")
	}
	swin, _ := ParseName("swinv2_tiny_window8_256")
	s, err := swin.WithArgs(map[string]any{"depths": []any{2.0, 2.0}, "num_heads": []any{1.0, 2.0}, "window_size": 4.0})
	if err != nil || !slices.Equal(s.SwinV2.WindowSizes, []int{4, 4}) || len(s.SwinV2.PretrainedWindowSizes) != 2 {
		t.Errorf("swin args: %v %v", s.SwinV2, err)
	}
	if _, err := swin.WithArgs(map[string]any{"always_partition": true}); err == nil {
		t.Error("always_partition: no error")
	}
}

func TestHubConfigLayouts(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, json string
		classes    int
		side, ch   int
		interp     string
		crop       float64
	}{
		{"current", `{"architecture": "vit_small_patch16_224", "num_classes": 0, "model_args": {"global_pool": "avg"},
			"pretrained_cfg": {"input_size": [3, 384, 384], "fixed_input_size": true, "interpolation": "bilinear", "crop_pct": 1.0,
			"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "num_classes": 1000}}`, 0, 384, 3, "bilinear", 1},
		{"legacy single dict", `{"architecture": "swinv2_tiny_window8_256", "num_classes": 10, "input_size": [3, 256, 256]}`,
			10, 256, 3, "bicubic", 0.875},
	} {
		path := filepath.Join(dir, tc.name+".json")
		os.WriteFile(path, []byte(tc.json), 0o644)
		h, err := ReadHubConfig(path)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		a, err := h.Arch()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		p, err := h.Preprocess(a)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if a.NumClasses != tc.classes || p.Size != tc.side || p.Channels != tc.ch || p.Interpolation != tc.interp || p.CropPct != tc.crop {
			t.Errorf("%s: classes %d, preprocess %+v", tc.name, a.NumClasses, p)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"architecture": "vit_small_patch16_224", "pretrained_cfg": {"crop_mode": "squash"}}`), 0o644)
	h, _ := ReadHubConfig(bad)
	a, _ := h.Arch()
	if _, err := h.Preprocess(a); err == nil || !strings.Contains(err.Error(), "squash") {
		t.Errorf("crop_mode squash: %v", err)
	}
}

// TestHubConfigRebuilds: the config an export writes parses back to the
// same architecture.
func TestHubConfigRebuilds(t *testing.T) {
	demoSwin, _ := swinv2.Preset("swinv2-demo")
	champ, _ := swinv2.Preset("swinv2-l-384")
	demoViT, _ := vit.Preset("vit-demo")
	for _, tc := range []struct {
		name string
		v    *vit.Config
		s    *swinv2.Config
	}{{"vit-demo", &demoViT, nil}, {"swinv2-demo", nil, &demoSwin}, {"swinv2-l-384", nil, &champ}} {
		a, err := FromBackbone(tc.v, tc.s, 10)
		if err != nil {
			t.Fatal(err)
		}
		h, err := a.HubConfig(Preprocess{Size: 28, Channels: 1, Interpolation: "bicubic", CropPct: 1, Mean: []float64{0.3}, Std: []float64{0.4}})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// Through JSON, as a file would.
		path := filepath.Join(t.TempDir(), "config.json")
		writeJSON(t, path, h)
		h2, err := ReadHubConfig(path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := h2.Arch()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.EqualFunc(a.Layout(), b.Layout(), func(x, y Var) bool { return x.Path == y.Path && slices.Equal(x.Shape, y.Shape) }) {
			t.Errorf("%s: rebuilt as %s, exported %s", tc.name, b.describe(), a.describe())
		}
		if tc.s != nil {
			w, _ := timmWindow(*tc.s)
			if got := b.SwinV2; got.ImageSize != tc.s.ImageSize || !slices.Equal(got.PretrainedWindowSizes, tc.s.PretrainedWindowSizes) || got.WindowSizes[0] != w {
				t.Errorf("%s: windows %v pretrained %v", tc.name, got.WindowSizes, got.PretrainedWindowSizes)
			}
		}
	}
	odd := demoSwin.Clone()
	odd.WindowSizes = []int{7, 3}
	if _, err := timmWindow(odd); err == nil {
		t.Error("windows 7 then 3: timm has one window size, no error")
	}
}

func TestMatches(t *testing.T) {
	l, _ := vit.Preset("vit-l16-448")
	a, _ := FromBackbone(&l, nil, 0)
	got := Matches(a)
	if !slices.Contains(got, "vit_large_patch16_224") || slices.Contains(got, "vit_large_patch14_224") {
		t.Errorf("ViT-L/16 448 matches %v", got)
	}
	if a.Name != "vit_large_patch16_224" {
		t.Errorf("named %s", a.Name)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
