package model

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
)

func TestLayer(t *testing.T) {
	v, _ := vit.Preset("vit-bench") // 4 blocks: layers 0..5
	s := Spec{ViT: &v, Head: head.Config{Kind: head.Linear, Classes: 3}}
	for _, tc := range []struct {
		scope string
		layer int
	}{
		{"/backbone", 0}, {"/backbone/patch_embed", 0}, {"/backbone/block_00/attn/q", 1},
		{"/backbone/block_03/fc2", 4}, {"/backbone/norm", 5}, {"/head", 5},
	} {
		if l, n := s.Layer(tc.scope); l != tc.layer || n != 5 {
			t.Errorf("Layer(%q) = %d of %d, want %d of 5", tc.scope, l, n, tc.layer)
		}
	}
}

func TestBackboneChoice(t *testing.T) {
	v, _ := vit.Preset("vit-bench")
	w := swinv2.Presets()["swinv2-demo"]
	h := head.Config{Kind: head.Linear, Classes: 3}
	if err := (Spec{Head: h}).Validate(); err == nil {
		t.Error("no backbone: no error")
	}
	if err := (Spec{ViT: &v, SwinV2: &w, Head: h}).Validate(); err == nil {
		t.Error("two backbones: no error")
	}
	for _, s := range []Spec{{ViT: &v, Head: h}, {SwinV2: &w, Head: h}} {
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
		if side, ch := s.InputSize(); side != 28 || ch != 1 {
			t.Errorf("input size %d x %d", side, ch)
		}
	}
}

func TestAdaptResizesViTPositions(t *testing.T) {
	v, _ := vit.Preset("vit-bench") // grid 7, cls: 50 tokens
	big := v
	big.ImageSize = 56 // grid 14: 197 tokens
	stored := map[string]*tensors.Tensor{"/backbone/pos_embed": tensors.FromFlatDataAndDimensions(make([]float32, 50*64), 1, 50, 64)}
	if err := (Spec{ViT: &big}).Adapt(stored); err != nil {
		t.Fatal(err)
	}
	if d := stored["/backbone/pos_embed"].Shape().Dimensions; d[1] != 197 {
		t.Errorf("resized to %v, want 197 tokens", d)
	}
}
