// Package mmpretrain renames the state dicts of MMPretrain (and its
// predecessor mmcls) checkpoints — the format of MMPretrain's model zoo and
// of the ACCV 2022 champion's released models — to timm's keys, so that
// fgia/timm maps them onward. Only the names and one tensor layout differ
// between the two libraries for the families fgia builds:
//
//	ViT (mmpretrain VisionTransformer)       timm VisionTransformer
//	backbone.patch_embed.projection.*        patch_embed.proj.*
//	backbone.layers.N.ln1 / ln2              blocks.N.norm1 / norm2
//	backbone.layers.N.attn.{qkv,proj}        blocks.N.attn.{qkv,proj}
//	backbone.layers.N.ffn.layers.0.0 / .1    blocks.N.mlp.fc1 / fc2
//	backbone.ln1 (final_norm)                norm
//	backbone.ln2 (out_type avg_featmap)      fc_norm
//	head.layers.head.* or head.fc.*          head.*
//
//	Swin-V2 (mmpretrain SwinTransformerV2)   timm SwinTransformerV2
//	backbone.stages.S.blocks.B.attn.w_msa.*  layers.S.blocks.B.attn.*
//	backbone.stages.S.blocks.B.ffn.layers.0.0 / .1  ...mlp.fc1 / fc2
//	backbone.stages.S.downsample.*           layers.S.downsample.*
//	backbone.norm<last stage>                norm
//	head.fc.*                                head.fc.*
//
// The one layout difference: MMPretrain's PatchMerging gathers each 2x2
// neighbourhood with nn.Unfold, whose 4C features are ordered (channel,
// row offset, column offset), where timm concatenates (column offset, row
// offset, channel); the reduction weight's columns are permuted to match.
//
// Keys of the parts of a pretraining checkpoint that are not the encoder
// (MAE's decoder under neck., target generators, the data preprocessor's
// buffers) are dropped and reported.
package mmpretrain

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fgia/fgia/fgia/statedict"
)

// Is reports whether a state dict uses MMPretrain's keys (a backbone.
// prefix).
func Is(d statedict.Dict) bool {
	for k := range d {
		if strings.HasPrefix(k, "backbone.") {
			return true
		}
	}
	return false
}

// notEncoder are the prefixes of pretraining-only parts of a checkpoint.
var notEncoder = []string{"neck.", "target_generator.", "data_preprocessor.", "teacher."}

// ToTimm renames d (MMPretrain keys) to timm's for a backbone family
// ("vit" or "swinv2") of the given number of stages (Swin-V2; ignored for
// ViT). It returns the renamed dict and the keys it dropped. Keys it does
// not know keep their names, prefixed "mmpretrain:", so that the import's
// unknown-key error shows them as they were.
func ToTimm(d statedict.Dict, family string, stages int) (statedict.Dict, []string, error) {
	out := statedict.Dict{}
	var dropped []string
	var rename func(string) (string, bool)
	switch family {
	case "vit":
		rename = vitKey
	case "swinv2":
		rename = func(k string) (string, bool) { return swinKey(k, stages) }
	default:
		return nil, nil, fmt.Errorf("mmpretrain: no key names for family %q", family)
	}
	for _, k := range d.Keys() {
		t := d[k]
		if hasAnyPrefix(k, notEncoder) {
			dropped = append(dropped, k)
			continue
		}
		nk, ok := rename(k)
		if !ok {
			out["mmpretrain:"+k] = t
			continue
		}
		if _, dup := out[nk]; dup {
			return nil, nil, fmt.Errorf("mmpretrain: two keys map to %s (the second is %s)", nk, k)
		}
		if family == "swinv2" && strings.HasSuffix(nk, "downsample.reduction.weight") {
			var err error
			if t, err = unfoldToTimm(t); err != nil {
				return nil, nil, fmt.Errorf("mmpretrain: %s: %w", k, err)
			}
		}
		out[nk] = t
	}
	return out, dropped, nil
}

func hasAnyPrefix(k string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// A rename rule: a pattern over the MMPretrain key and its timm template.
type rule struct {
	re   *regexp.Regexp
	timm string
}

func rules(pairs ...string) []rule {
	out := make([]rule, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, rule{regexp.MustCompile("^" + pairs[i] + "$"), pairs[i+1]})
	}
	return out
}

func apply(rs []rule, k string) (string, bool) {
	for _, r := range rs {
		if r.re.MatchString(k) {
			return r.re.ReplaceAllString(k, r.timm), true
		}
	}
	return "", false
}

var vitRules = rules(
	`backbone\.patch_embed\.projection\.(weight|bias)`, "patch_embed.proj.$1",
	`backbone\.(cls_token|pos_embed)`, "$1",
	`backbone\.layers\.(\d+)\.ln1\.(weight|bias)`, "blocks.$1.norm1.$2",
	`backbone\.layers\.(\d+)\.ln2\.(weight|bias)`, "blocks.$1.norm2.$2",
	`backbone\.layers\.(\d+)\.attn\.(qkv|proj)\.(weight|bias)`, "blocks.$1.attn.$2.$3",
	`backbone\.layers\.(\d+)\.ffn\.layers\.0\.0\.(weight|bias)`, "blocks.$1.mlp.fc1.$2",
	`backbone\.layers\.(\d+)\.ffn\.layers\.1\.(weight|bias)`, "blocks.$1.mlp.fc2.$2",
	`backbone\.ln1\.(weight|bias)`, "norm.$1",
	`backbone\.ln2\.(weight|bias)`, "fc_norm.$1",
	`head\.layers\.head\.(weight|bias)`, "head.$1",
	`head\.fc\.(weight|bias)`, "head.$1",
)

func vitKey(k string) (string, bool) { return apply(vitRules, k) }

var swinRules = rules(
	`backbone\.patch_embed\.projection\.(weight|bias)`, "patch_embed.proj.$1",
	`backbone\.patch_embed\.norm\.(weight|bias)`, "patch_embed.norm.$1",
	`backbone\.stages\.(\d+)\.blocks\.(\d+)\.attn\.w_msa\.(.+)`, "layers.$1.blocks.$2.attn.$3",
	`backbone\.stages\.(\d+)\.blocks\.(\d+)\.(norm1|norm2)\.(weight|bias)`, "layers.$1.blocks.$2.$3.$4",
	`backbone\.stages\.(\d+)\.blocks\.(\d+)\.ffn\.layers\.0\.0\.(weight|bias)`, "layers.$1.blocks.$2.mlp.fc1.$3",
	`backbone\.stages\.(\d+)\.blocks\.(\d+)\.ffn\.layers\.1\.(weight|bias)`, "layers.$1.blocks.$2.mlp.fc2.$3",
	`backbone\.stages\.(\d+)\.downsample\.(reduction|norm)\.(weight|bias)`, "layers.$1.downsample.$2.$3",
	`head\.fc\.(weight|bias)`, "head.fc.$1",
)

// swinKey renames a Swin-V2 key; the final norm is norm<i> for the last
// stage i (MMPretrain names the norm of each output stage).
func swinKey(k string, stages int) (string, bool) {
	last := fmt.Sprintf("backbone.norm%d.", stages-1)
	if strings.HasPrefix(k, last) {
		return "norm." + strings.TrimPrefix(k, last), true
	}
	return apply(swinRules, k)
}

// unfoldToTimm permutes a patch-merging reduction weight [out, 4C] from
// nn.Unfold's feature order (c, row, col) to timm's (col, row, c).
func unfoldToTimm(t *statedict.Tensor) (*statedict.Tensor, error) {
	if len(t.Shape) != 2 || t.Shape[1]%4 != 0 {
		return nil, fmt.Errorf("reduction weight of shape %v, want [out, 4*channels]", t.Shape)
	}
	out, c := t.Shape[0], t.Shape[1]/4
	r, err := t.Reshape(out, c, 2, 2) // [out, c, row, col]
	if err != nil {
		return nil, err
	}
	return r.Permute(0, 3, 2, 1).Reshape(out, 4*c) // [out, col, row, c]
}
