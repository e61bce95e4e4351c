package mmpretrain

import (
	"slices"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/statedict"
)

func TestRenames(t *testing.T) {
	for _, tc := range []struct {
		family string
		mm     string
		timm   string // "" : dropped
	}{
		{"vit", "backbone.patch_embed.projection.weight", "patch_embed.proj.weight"},
		{"vit", "backbone.cls_token", "cls_token"},
		{"vit", "backbone.layers.11.ln1.bias", "blocks.11.norm1.bias"},
		{"vit", "backbone.layers.0.attn.qkv.weight", "blocks.0.attn.qkv.weight"},
		{"vit", "backbone.layers.3.ffn.layers.0.0.weight", "blocks.3.mlp.fc1.weight"},
		{"vit", "backbone.layers.3.ffn.layers.1.bias", "blocks.3.mlp.fc2.bias"},
		{"vit", "backbone.ln1.weight", "norm.weight"},
		{"vit", "backbone.ln2.weight", "fc_norm.weight"},
		{"vit", "head.layers.head.weight", "head.weight"},
		{"vit", "head.fc.bias", "head.bias"},
		{"vit", "neck.decoder_blocks.0.norm1.weight", ""},
		{"swinv2", "backbone.stages.2.blocks.17.attn.w_msa.logit_scale", "layers.2.blocks.17.attn.logit_scale"},
		{"swinv2", "backbone.stages.0.blocks.1.attn.w_msa.cpb_mlp.2.weight", "layers.0.blocks.1.attn.cpb_mlp.2.weight"},
		{"swinv2", "backbone.stages.1.blocks.0.ffn.layers.0.0.bias", "layers.1.blocks.0.mlp.fc1.bias"},
		{"swinv2", "backbone.stages.3.downsample.norm.weight", "layers.3.downsample.norm.weight"},
		{"swinv2", "backbone.norm3.weight", "norm.weight"},
		{"swinv2", "backbone.patch_embed.norm.bias", "patch_embed.norm.bias"},
		{"swinv2", "head.fc.weight", "head.fc.weight"},
	} {
		d := statedict.Dict{tc.mm: statedict.Zeros(8, 4)}
		got, dropped, err := ToTimm(d, tc.family, 4)
		if err != nil {
			t.Fatal(err)
		}
		if tc.timm == "" {
			if len(got) != 0 || !slices.Equal(dropped, []string{tc.mm}) {
				t.Errorf("%s: kept %v, dropped %v", tc.mm, got.Keys(), dropped)
			}
			continue
		}
		if _, ok := got[tc.timm]; !ok || len(got) != 1 {
			t.Errorf("%s -> %v, want %s", tc.mm, got.Keys(), tc.timm)
		}
	}
	// An unknown key keeps its name, marked, for the import's error.
	got, _, _ := ToTimm(statedict.Dict{"backbone.layers.0.attn.gamma1.weight": statedict.Zeros(4)}, "vit", 0)
	if keys := got.Keys(); len(keys) != 1 || !strings.HasPrefix(keys[0], "mmpretrain:") {
		t.Errorf("unknown key became %v", keys)
	}
}

// TestUnfoldOrder: MMPretrain's reduction input feature (c, row, col) is
// timm's (col, row, c).
func TestUnfoldOrder(t *testing.T) {
	const c = 3
	w := statedict.Zeros(1, 4*c) // one output; its weight on input feature f is f
	for f := range w.Data {
		w.Data[f] = float32(f)
	}
	got, err := unfoldToTimm(w)
	if err != nil {
		t.Fatal(err)
	}
	for col := 0; col < 2; col++ {
		for row := 0; row < 2; row++ {
			for ch := 0; ch < c; ch++ {
				timmIdx := (col*2+row)*c + ch
				mmIdx := ch*4 + row*2 + col
				if got.Data[timmIdx] != float32(mmIdx) {
					t.Fatalf("timm feature (col %d, row %d, c %d) = %g, want MMPretrain's %d", col, row, ch, got.Data[timmIdx], mmIdx)
				}
			}
		}
	}
}
