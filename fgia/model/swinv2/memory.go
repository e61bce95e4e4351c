package swinv2

// ActivationBytesPerImage estimates the float32 activations one training
// image keeps for the backward pass: per block about 34 values per token
// and channel and 5 per attention logit and head, attention being within
// windows (as vit's estimate; a planning figure).
func (c Config) ActivationBytesPerImage() float64 {
	geo, err := c.geometry(c.ImageSize, c.ImageSize)
	if err != nil {
		return 0
	}
	var values float64
	for i, s := range geo {
		l, d, h := float64(s.H*s.W), float64(c.StageDim(i)), float64(c.Heads[i])
		n := float64(s.windowArea())
		values += float64(c.Depths[i]) * (34*l*d + 5*h*l*n)
	}
	return 4 * values
}
