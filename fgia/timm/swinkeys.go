package timm

import (
	"fmt"
)

// cpbHidden is the width of Swin-V2's continuous position bias MLP.
const cpbHidden = 512

// swinParams lists a Swin-V2's tensors: timm's SwinTransformerV2 keys.
func (a Arch) swinParams() []param {
	c := a.SwinV2
	e := c.EmbedDim
	b := BackboneScope + "/"
	ps := []param{
		patchConv("patch_embed.proj.weight", e, c.Channels, c.PatchSize, b+"patch_embed/proj/weights"),
		same("patch_embed.proj.bias", b+"patch_embed/proj/biases", e),
	}
	if !c.NoPatchNorm {
		ps = append(ps, layerNorm("patch_embed.norm", b+"patch_embed/norm", e)...)
	}
	for s, depth := range c.Depths {
		d, heads := c.StageDim(s), c.Heads[s]
		hd, m := d/heads, int(float64(d)*c.MLPRatio)
		t := fmt.Sprintf("layers.%d.", s)
		f := b + fmt.Sprintf("stage_%d/", s)
		if s > 0 {
			ps = append(ps, linear(t+"downsample.reduction.weight", d, 2*d, f+"downsample/reduction/weights", d))
			ps = append(ps, layerNorm(t+"downsample.norm", f+"downsample/norm", d)...)
		}
		for j := range depth {
			tb := t + fmt.Sprintf("blocks.%d.", j)
			fb := f + fmt.Sprintf("block_%d/", j)
			ps = append(ps,
				qkvWeight(tb+"attn.qkv.weight", d, heads, fb+"attn/q/weights", fb+"attn/k/weights", fb+"attn/v/weights"),
				reshaped(tb+"attn.q_bias", []int{d}, fb+"attn/q/biases", heads, hd),
				reshaped(tb+"attn.v_bias", []int{d}, fb+"attn/v/biases", heads, hd),
				reshaped(tb+"attn.logit_scale", []int{heads, 1, 1}, fb+"attn/logit_scale", heads),
				linear(tb+"attn.cpb_mlp.0.weight", cpbHidden, 2, fb+"attn/cpb_mlp/fc1/weights", cpbHidden),
				same(tb+"attn.cpb_mlp.0.bias", fb+"attn/cpb_mlp/fc1/biases", cpbHidden),
				linear(tb+"attn.cpb_mlp.2.weight", heads, cpbHidden, fb+"attn/cpb_mlp/fc2/weights", heads),
				projection(tb+"attn.proj.weight", d, heads, fb+"attn/proj/weights"),
				same(tb+"attn.proj.bias", fb+"attn/proj/biases", d))
			ps = append(ps, layerNorm(tb+"norm1", fb+"norm1", d)...)
			ps = append(ps, mlp(tb+"mlp.", fb+"mlp/", d, m)...)
			ps = append(ps, layerNorm(tb+"norm2", fb+"norm2", d)...)
		}
	}
	ps = append(ps, layerNorm("norm", b+"norm", c.FeatureDim())...)
	if a.NumClasses > 0 {
		ps = append(ps, linear("head.fc.weight", a.NumClasses, c.FeatureDim(), HeadScope+"/weights", a.NumClasses),
			same("head.fc.bias", HeadScope+"/biases", a.NumClasses))
	}
	return ps
}
