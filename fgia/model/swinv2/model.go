package swinv2

import (
	"fmt"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Encode runs the backbone on images [B, H, W, C] (float, normalised) and returns the final
// feature map [B, H', W', C'] after the final norm, with H' = H/PatchSize/2^(stages-1).
//
// H and W need not equal ImageSize: any size whose grids divide into the (clipped) windows
// works, and the variables are the same at every size.
//
// If mask is non-nil ([B, Hp, Wp] of 0/1 at the patch-embedding grid, 1 = masked), masked
// patch embeddings are replaced by the learned token "/simmim/mask_token" before the first
// stage, as SimMIM does.
//
// Drop path is active only when ctx.IsTraining(g). It panics (GoMLX's convention while
// building graphs) if the configuration or the shapes are invalid.
func (c Config) Encode(ctx *context.Context, images, mask *Node) *Node {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	if images.Rank() != 4 || images.Shape().Dimensions[3] != c.Channels {
		panic(fmt.Errorf("swinv2: images must be [B, H, W, %d], got %s", c.Channels, images.Shape()))
	}
	dims := images.Shape().Dimensions
	geo, err := c.geometry(dims[1], dims[2])
	if err != nil {
		panic(err)
	}
	gc := newGraphConsts(images.Graph())

	x := c.patchEmbed(ctx.In("patch_embed"), images)
	if mask != nil {
		if want := []int{dims[0], geo[0].H, geo[0].W}; !slices.Equal(mask.Shape().Dimensions, want) {
			panic(fmt.Errorf("swinv2: mask must be %v, got %s", want, mask.Shape()))
		}
		x = c.applyMaskToken(ctx, x, mask)
	}
	rates := c.dropPathRates()
	for i, s := range geo {
		x = c.stage(ctx.In(fmt.Sprintf("stage_%d", i)), gc, x, i, s, rates[i])
	}
	return layerNorm(ctx.In("norm"), x, c.NormEps, false)
}

// Features is Encode followed by global average pooling: [B, FeatureDim()], the input of a
// classification head.
func (c Config) Features(ctx *context.Context, images *Node) *Node {
	return ReduceMean(c.Encode(ctx, images, nil), 1, 2)
}
