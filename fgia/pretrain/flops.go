package pretrain

// FLOPsPerImage is 2x the multiply-adds of one pretraining forward pass
// (matmuls only), for cost plans and MFU: MAE's encoder sees only the kept
// patches (plus the cls token) and its decoder every position; SimMIM runs
// the whole Swin-V2 and a one-layer head.
func (c Config) FLOPsPerImage() float64 {
	switch {
	case c.ViT != nil:
		v := c.ViT
		patch := float64(v.PatchSize * v.PatchSize * v.Channels)
		all := float64(v.Grid() * v.Grid())
		kept := float64(c.keptPatches())
		cls := 0.0
		if v.ClsToken {
			cls = 1
		}
		d, hidden := float64(v.Dim), float64(v.Dim)*v.MLPRatio
		f := 2 * kept * patch * d // patch embedding of the kept patches
		f += float64(v.Depth) * blockFLOPs(kept+cls, d, hidden)
		dd := float64(c.Decoder.Dim)
		f += 2 * (all + cls) * d * dd // encoder to decoder width
		f += float64(c.Decoder.Depth) * blockFLOPs(all+cls, dd, 4*dd)
		return f + 2*all*dd*patch // pixel prediction
	case c.SwinV2 != nil:
		// The head maps each last-stage token to the stride x stride x
		// channels pixels it covers, stride being the total downsampling.
		s := c.SwinV2
		stride := s.PatchSize << (len(s.Depths) - 1)
		tokens := float64((s.ImageSize / stride) * (s.ImageSize / stride))
		return s.FLOPsPerImage() + 2*tokens*float64(s.FeatureDim()*stride*stride*s.Channels)
	}
	return 0
}

// blockFLOPs is one transformer block over t tokens of width d: q, k, v and
// output projections, the two attention products and the MLP.
func blockFLOPs(t, d, hidden float64) float64 {
	return 2*4*t*d*d + 2*2*t*t*d + 2*2*t*d*hidden
}
