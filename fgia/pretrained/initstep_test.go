package pretrained

import (
	"path/filepath"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/train"
)

// TestMAEIntoAvgPool: a cls-pooled checkpoint (MAE's form) starts a
// mean-pooled model (the champion's fine-tuning form): its final norm is
// loaded but unused, fc_norm starts fresh, and training steps run.
func TestMAEIntoAvgPool(t *testing.T) {
	run := filepath.Join(t.TempDir(), "mae")
	ri, err := Import(ImportOptions{Weights: filepath.Join(fixtureDir, "vit_headless"), Out: run})
	if err != nil {
		t.Fatal(err)
	}
	v := *ri.Config.Model.ViT
	v.Pool = vit.PoolAvg
	spec := ri.Config.Model
	spec.ViT, spec.Head = &v, head.Config{Kind: head.Linear, Classes: 3}
	got, msg, err := InitSpec(run, spec)
	if err != nil || msg != "" || got.ViT.Pool != vit.PoolAvg {
		t.Fatalf("InitSpec kept %+v (%q, %v), want the preset's mean pooling", got.ViT, msg, err)
	}
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New().Checked(false)
	if err := train.InitBackbone(ctx, run, spec); err != nil {
		t.Fatal(err)
	}
	o := optim.DefaultAdamW(optim.Schedule{LR: 1e-3, MinLR: 1e-3, TotalSteps: 10})
	step, err := context.NewExec(b, ctx, func(ctx *context.Context, x, y *Node) *Node {
		ctx.SetTraining(x.Graph(), true)
		logits := spec.Logits(ctx, x, nil, nil)
		loss := Neg(ReduceAllMean(ReduceSum(Mul(OneHot(y, 3, logits.DType()), LogSoftmax(logits, -1)), -1)))
		o.Step(ctx, loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	images := tensors.FromFlatDataAndDimensions(make([]float32, 4*16*16*3), 4, 16, 16, 3)
	for i := 0; i < 2; i++ {
		if _, err := step.Exec(images, []int32{0, 1, 2, 0}); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if ctx.InspectVariable("/backbone/fc_norm", "gain") == nil {
		t.Error("no fc_norm")
	}
}
