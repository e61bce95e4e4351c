package swinv2_test

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/model/swinv2"
)

// The demo backbone as a feature extractor: a classification head goes on Features, a SimMIM
// decoder on Encode with a mask. The variables created depend only on the Config's widths and
// depths, never on the image or window size.
func Example() {
	backend := backends.MustNew() // these tests set GOMLX_BACKEND=go:ops_sequential
	cfg := swinv2.Presets()["swinv2-demo"]
	ctx := context.New()
	features := context.MustNewExec(backend, ctx, func(ctx *context.Context, images *graph.Node) *graph.Node {
		return cfg.Features(ctx, images)
	})
	images := tensors.FromShape(shapes.Make(dtypes.Float32, 2, 28, 28, 1)) // [B, H, W, C], normalised
	out := features.MustExec1(images)

	params := 0
	for v := range ctx.IterVariables() {
		if v.Trainable {
			params += v.Shape().Size()
		}
	}
	fmt.Println("features:", out.Shape())
	fmt.Println("parameters:", params, "=", cfg.NumParams())
	fmt.Printf("forward: %.1f MFLOPs per image\n", cfg.FLOPsPerImage()/1e6)
	// Output:
	// features: (Float32)[2 64]
	// parameters: 146156 = 146156
	// forward: 23.8 MFLOPs per image
}
