package pretrain

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/nn"
)

// SimMIMScope holds SimMIM's prediction head (its mask token lives in the
// backbone, see fgia/model/swinv2).
const SimMIMScope = "simmim_head"

// simMIMPredict encodes images [B, H, W, C] with the masked patches
// replaced by the mask token (patchMask [B, grid, grid]) and predicts every
// pixel: a one-layer head maps each final feature to its r x r x C block
// of pixels (r = the encoder's total stride), and a pixel shuffle lays the
// blocks out as an image [B, H, W, C].
func (c Config) simMIMPredict(ctx *context.Context, images, patchMask *Node) *Node {
	s := *c.SwinV2
	z := s.Encode(ctx.In(model.BackboneScope), images, patchMask) // [B, h, w, F]
	r, ch := s.ImageSize/z.Shape().Dimensions[1], s.Channels
	return pixelShuffle(nn.Linear(ctx.In(SimMIMScope).In("decoder"), z, true, r*r*ch), r, ch)
}

// pixelShuffle lays out y [B, h, w, r*r*C] as an image [B, h*r, w*r, C]:
// feature (i, j, c) of cell (y, x) is pixel (y*r+i, x*r+j), channel c.
func pixelShuffle(y *Node, r, ch int) *Node {
	dims := y.Shape().Dimensions
	b, h, w := dims[0], dims[1], dims[2]
	y = TransposeAllAxes(Reshape(y, b, h, w, r, r, ch), 0, 1, 3, 2, 4, 5)
	return Reshape(y, b, h*r, w*r, ch)
}

// simMIMLoss is the L1 reconstruction error over masked pixels (all
// channels), divided by their count, as SimMIM computes it.
func (c Config) simMIMLoss(ctx *context.Context, images, patchMask, pixelMask *Node) *Node {
	pred := c.simMIMPredict(ctx, images, patchMask)
	m := BroadcastToDims(pixelMask, images.Shape().Dimensions...)
	l1 := Mul(Abs(Sub(pred, images)), m)
	return Div(ReduceAllSum(l1), AddScalar(ReduceAllSum(m), 1e-5))
}
