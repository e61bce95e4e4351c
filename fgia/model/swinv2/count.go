package swinv2

// NumParams is the analytic number of trainable parameters Features (or Encode without a mask)
// creates: patch embedding, every stage and the final norm. Encode with a mask adds EmbedDim
// more, the SimMIM mask token. Buffers (coordinate tables, indices, masks) are constants, not
// parameters. The count does not depend on the window or image size.
func (c Config) NumParams() int {
	e, p := c.EmbedDim, c.PatchSize
	n := p*p*c.Channels*e + e // patch projection and bias
	if !c.NoPatchNorm {
		n += 2 * e
	}
	for i, depth := range c.Depths {
		d, h := c.StageDim(i), c.Heads[i]
		if i > 0 {
			n += 2*d*d + 2*d // reduction 4(d/2) -> d, no bias; norm
		}
		m := c.hiddenDim(d)
		perBlock := 4*d*d + 3*d + // q (bias), k (no bias), v (bias), proj (bias)
			h + // logit_scale
			2*cpbHidden + cpbHidden + cpbHidden*h + // cpb fc1 (bias), fc2 (no bias)
			d*m + m + m*d + d + // mlp
			4*d // norm1, norm2
		n += depth * perBlock
	}
	return n + 2*c.FeatureDim() // final norm
}

// FLOPsPerImage is 2x the multiply-adds of one forward pass on an ImageSize x ImageSize image,
// for MFU reporting: the patch projection, q/k/v/output projections, the two attention matmuls
// (windows of the clipped size), the MLPs and the patch-merging reductions. Like fvcore/timm
// counts it leaves out norms, softmax, activations and other element-wise work, and the
// position-bias MLP, which runs once per batch rather than per image. A training step is about
// 3x this. It panics if c is invalid.
func (c Config) FLOPsPerImage() float64 {
	geo, err := c.geometry(c.ImageSize, c.ImageSize)
	if err != nil {
		panic(err)
	}
	var macs float64
	e, p := float64(c.EmbedDim), float64(c.PatchSize)
	macs += float64(geo[0].H*geo[0].W) * p * p * float64(c.Channels) * e
	for i, s := range geo {
		l, d := float64(s.H*s.W), float64(c.StageDim(i))
		if i > 0 {
			macs += l * 4 * (d / 2) * d
		}
		n, m := float64(s.windowArea()), float64(c.hiddenDim(c.StageDim(i)))
		perBlock := 4*l*d*d + // q, k, v, proj
			2*l*n*d + // q.k^T and attn.v over every window
			2*l*d*m // mlp
		macs += float64(c.Depths[i]) * perBlock
	}
	return 2 * macs
}
