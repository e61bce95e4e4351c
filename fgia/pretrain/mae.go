package pretrain

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/nn"
)

// MAEScope holds MAE's own variables (encoder norm, decoder, mask token):
// fine-tuning does not load them.
const MAEScope = "mae"

// maePredict runs MAE's encoder on the kept tokens and its decoder on all
// patch positions: images [B, H, W, C], keep and restore as in maeMasks.
// It returns the predicted per-patch normalised pixels [B, n, p*p*C].
//
// Gathers on flattened tokens (not slices) pick the visible tokens and put
// the decoded ones back in place, so the gradients are scatter-adds that
// every backend runs. The decoder sees no cls token.
func (c Config) maePredict(ctx *context.Context, images, keep, restore *Node) *Node {
	v, d := *c.ViT, c.Decoder
	g := images.Graph()
	b := images.Shape().Dimensions[0]
	n, k := v.Grid()*v.Grid(), c.keptPatches()
	cls := 0
	if v.ClsToken {
		cls = 1
	}
	enc := ctx.In(model.BackboneScope)
	x := v.Embed(enc, images) // [B, cls+n, D] with positions
	x = Gather(Reshape(x, b*(cls+n), v.Dim), InsertAxes(keep, -1))
	x = v.Blocks(enc, Reshape(x, b, cls+k, v.Dim))

	m := ctx.In(MAEScope)
	x = nn.LayerNorm(m.In("norm"), x, v.NormEps)
	x = nn.Linear(m.In("decoder_embed"), x, true, d.Dim)
	token := nn.Param(m, g, "mask_token", x.DType(), nn.WeightStd, 1, d.Dim)
	src := Concatenate([]*Node{Reshape(x, b*(cls+k), d.Dim), BroadcastToDims(token, b*(n-k), d.Dim)}, 0)
	x = Reshape(Gather(src, InsertAxes(restore, -1)), b, n, d.Dim)
	x = Add(x, Const(g, sinCos2D(v.Grid(), d.Dim)))
	dec := vit.Config{Dim: d.Dim, Depth: d.Depth, Heads: d.Heads, MLPRatio: 4, NormEps: v.NormEps}
	x = dec.Blocks(m.In("decoder"), x)
	x = nn.LayerNorm(m.In("decoder_norm"), x, v.NormEps)
	return nn.Linear(m.In("decoder_pred"), x, true, v.PatchSize*v.PatchSize*v.Channels)
}

// patchStats returns each patch's mean and standard deviation (unbiased
// variance + 1e-6, as MAE), broadcast to t [B, n, p*p*C].
func patchStats(t *Node) (mean, std *Node) {
	p := t.Shape().Dimensions[2]
	mean = ReduceAndKeep(t, ReduceMean, -1)
	centered := Sub(t, nn.Expand(mean, t))
	variance := MulScalar(ReduceAndKeep(Square(centered), ReduceMean, -1), float64(p)/float64(max(p-1, 1)))
	return nn.Expand(mean, t), nn.Expand(Sqrt(AddScalar(variance, 1e-6)), t)
}

// maeTarget is MAE's target: each patch's pixels normalised by the patch's
// own mean and standard deviation, [B, n, p*p*C].
func (c Config) maeTarget(images *Node) *Node {
	t := c.ViT.Patchify(images)
	mean, std := patchStats(t)
	return Div(Sub(t, mean), std)
}

// maeLoss is the mean squared error of the masked patches only.
func (c Config) maeLoss(ctx *context.Context, images, keep, restore, mask *Node) *Node {
	pred := c.maePredict(ctx, images, keep, restore)
	perPatch := ReduceMean(Square(Sub(pred, StopGradient(c.maeTarget(images)))), -1) // [B, n]
	return Div(ReduceAllSum(Mul(perPatch, mask)), ReduceAllSum(mask))
}

// sinCos2D is MAE's fixed 2-D sine-cosine position embedding of a grid x
// grid patch layout, [1, grid*grid, dim]: a quarter of the dimensions for
// each of sin(row), cos(row), sin(column), cos(column) at geometric
// frequencies 1/10000^(i/(dim/4)).
func sinCos2D(grid, dim int) [][][]float32 {
	q := dim / 4
	out := make([][]float32, grid*grid)
	for r := 0; r < grid; r++ {
		for col := 0; col < grid; col++ {
			e := make([]float32, dim)
			for i := 0; i < q; i++ {
				w := math.Pow(10000, -float64(i)/float64(q))
				e[i] = float32(math.Sin(float64(r) * w))
				e[q+i] = float32(math.Cos(float64(r) * w))
				e[2*q+i] = float32(math.Sin(float64(col) * w))
				e[3*q+i] = float32(math.Cos(float64(col) * w))
			}
			out[r*grid+col] = e
		}
	}
	return [][][]float32{out}
}
