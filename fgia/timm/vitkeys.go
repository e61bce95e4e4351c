package timm

import (
	"fmt"

	"github.com/fgia/fgia/fgia/model/vit"
)

// HeadScope holds the classifier's variables (fgia/head's linear head).
const HeadScope = "/head"

// BackboneScope holds the backbone's variables (fgia/model's).
const BackboneScope = "/backbone"

// vitParams lists a ViT's tensors: timm's VisionTransformer keys.
func (a Arch) vitParams() []param {
	c := a.ViT
	d, hid := c.Dim, c.Hidden()
	b := BackboneScope + "/"
	ps := []param{
		patchConv("patch_embed.proj.weight", d, c.Channels, c.PatchSize, b+"patch_embed/weights"),
		same("patch_embed.proj.bias", b+"patch_embed/biases", d),
	}
	if c.ClsToken {
		ps = append(ps, same("cls_token", b+"cls_token", 1, 1, d))
	}
	ps = append(ps, same("pos_embed", b+vit.PosEmbedName, 1, c.Tokens(), d))
	for i := range c.Depth {
		t := fmt.Sprintf("blocks.%d.", i)
		f := b + fmt.Sprintf("block_%02d/", i)
		ps = append(ps, layerNorm(t+"norm1", f+"norm1", d)...)
		ps = append(ps, qkvWeight(t+"attn.qkv.weight", d, c.Heads, f+"attn/q/weights", f+"attn/k/weights", f+"attn/v/weights"))
		bias := qkvBias(t+"attn.qkv.bias", d, c.Heads, f+"attn/q/biases", f+"attn/k/biases", f+"attn/v/biases")
		bias.zeroIfMissing = !a.QKVBias
		ps = append(ps, bias,
			projection(t+"attn.proj.weight", d, c.Heads, f+"attn/proj/weights"),
			same(t+"attn.proj.bias", f+"attn/proj/biases", d))
		ps = append(ps, layerNorm(t+"norm2", f+"norm2", d)...)
		ps = append(ps, mlp(t+"mlp.", f, d, hid)...)
	}
	if c.Pool == vit.PoolAvg {
		ps = append(ps, layerNorm("fc_norm", b+"fc_norm", d)...)
	} else {
		ps = append(ps, layerNorm("norm", b+"norm", d)...)
	}
	if a.NumClasses > 0 {
		ps = append(ps, linear("head.weight", a.NumClasses, d, HeadScope+"/weights", a.NumClasses),
			same("head.bias", HeadScope+"/biases", a.NumClasses))
	}
	return ps
}
