package vit

// ActivationBytesPerImage estimates the float32 activations one training
// image keeps for the backward pass: per block about 34 values per token
// and channel (projections, MLP, norms, residuals) and 5 per attention
// logit and head (scores, softmax, dropout mask), after Korthikanti et al.
// 2022. A planning figure, good to a factor of about two.
func (c Config) ActivationBytesPerImage() float64 {
	t, d, h := float64(c.Tokens()), float64(c.Dim), float64(c.Heads)
	return 4 * float64(c.Depth) * (34*t*d + 5*h*t*t)
}
