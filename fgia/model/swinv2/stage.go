package swinv2

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// stage runs stage i on x: patch merging first for i > 0 (timm's layout, so that a stage's
// variables are all under its own scope), then its blocks, every second one shifted.
func (c Config) stage(ctx *context.Context, gc *graphConsts, x *Node, i int, s stageGeom, dropRates []float64) *Node {
	if i > 0 {
		x = c.patchMerging(ctx.In("downsample"), x)
	}
	for j := range c.Depths[i] {
		shifted := j%2 == 1 && s.shifted()
		x = c.block(ctx.In(fmt.Sprintf("block_%d", j)), gc, x, s, c.Heads[i], shifted, dropRates[j])
	}
	return x
}
