package modelzoo

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestList(t *testing.T) {
	all, err := List()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Entry{}
	for _, e := range all {
		byName[e.Name] = e
	}
	for _, tc := range []struct {
		name           string
		source, family string
		paramsM        float64 // backbone parameters, millions (timm's counts minus the head)
		side           int
		timm           string // one of the timm names that must be listed
		recipe         string // one of the training presets that must be listed
	}{
		{"vit-l16-448", FromFgia, "vit", 303.9, 448, "vit_large_patch16_224", "vit-l16-448-arc"},
		{"swinv2-l-384", FromFgia, "swinv2", 195.2, 384, "swinv2_large_window12to24_192to384", "swinv2-l-384-arc-eql"},
		{"vit_base_patch16_224", FromTimm, "vit", 85.8, 224, "vit_base_patch16_384", ""},
		{"swinv2_base_window12_192", FromTimm, "swinv2", 86.9, 192, "swinv2_base_window12to24_192to384", ""},
		{"vit-demo", FromFgia, "vit", 0.1718, 28, "", "demo-vit-fmnist"},
		{"swinv2-demo", FromFgia, "swinv2", 0.1462, 28, "", "demo-swin"},
	} {
		e, ok := byName[tc.name]
		if !ok {
			t.Errorf("%s not listed", tc.name)
			continue
		}
		if e.Source != tc.source || e.Family != tc.family || e.Side != tc.side {
			t.Errorf("%s: %+v", tc.name, e)
		}
		if got := float64(e.Params) / 1e6; got < tc.paramsM*0.99 || got > tc.paramsM*1.01 {
			t.Errorf("%s: %.2fM parameters, want about %.2fM", tc.name, got, tc.paramsM)
		}
		if tc.timm != "" && !slices.Contains(e.Timm, tc.timm) {
			t.Errorf("%s: timm names %v lack %s", tc.name, e.Timm, tc.timm)
		}
		if tc.recipe != "" && !slices.Contains(e.Recipes, tc.recipe) {
			t.Errorf("%s: training presets %v lack %s", tc.name, e.Recipes, tc.recipe)
		}
		if e.GFLOPs <= 0 {
			t.Errorf("%s: %g GFLOPs", tc.name, e.GFLOPs)
		}
	}
	var buf bytes.Buffer
	if err := Print(&buf, all); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != len(all)+1 {
		t.Errorf("%d lines for %d entries", lines, len(all))
	}
}
