package model

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/loss"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
)

// tinyViT is a two-block ViT on 28x28 gray images with mean pooling (its
// pooling is a matmul too).
func tinyViT() *vit.Config {
	return &vit.Config{ImageSize: 28, Channels: 1, PatchSize: 7, Dim: 16, Depth: 2, Heads: 2, MLPRatio: 2,
		Pool: vit.PoolAvg, NormEps: 1e-6}
}

func randomImages(n, side int, seed uint64) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(seed, 1))
	px := make([]float32, n*side*side)
	for i := range px {
		px[i] = rng.Float32()*2 - 1
	}
	return tensors.FromFlatDataAndDimensions(px, n, side, side, 1)
}

func TestPrecisionValidate(t *testing.T) {
	h := head.Config{Kind: head.Linear, Classes: 3}
	for p, ok := range map[string]bool{"": true, "f32": true, "bf16": true, "fp16": false, "BF16": false} {
		if err := (Spec{ViT: tinyViT(), Head: h, Precision: p}).Validate(); (err == nil) != ok {
			t.Errorf("precision %q: error %v", p, err)
		}
	}
	// config.json carries it, which is how prediction builds what trained.
	var back Spec
	js, _ := json.Marshal(Spec{ViT: tinyViT(), Head: h, Precision: PrecisionBF16})
	if err := json.Unmarshal(js, &back); err != nil || back.Precision != PrecisionBF16 || !strings.Contains(string(js), `"precision":"bf16"`) {
		t.Errorf("JSON %s: read back %q, %v", js, back.Precision, err)
	}
}

// With bf16 on, every matmul of the backbone is a bf16 DotGeneral, the
// cosine head's is float32, and every variable is float32. (On the pure-Go
// backend fgia/gemm's SumLast reduces with float32 DotGenerals against a
// constant of ones inside LayerNorm and softmax: those are reductions, not
// the model's matmuls, and stay float32.)
func TestBF16BackboneFloat32Head(t *testing.T) {
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	swin := swinv2.Presets()["swinv2-demo"]
	h := head.Config{Kind: head.Cosine, Classes: 5, Scale: 30}
	for name, s := range map[string]Spec{
		"vit":    {ViT: tinyViT(), Head: h, Precision: PrecisionBF16},
		"swinv2": {SwinV2: &swin, Head: h, Precision: PrecisionBF16},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.New()
			var bf16Dots, headDots, otherDots int
			e, err := context.NewExec(b, ctx, func(ctx *context.Context, images *Node) *Node {
				logits := s.Logits(ctx, images, nil, nil)
				d := s.Head.Classes
				for _, n := range images.Graph().Nodes() {
					if n.Type() != NodeTypeDotGeneral {
						continue
					}
					in := n.Inputs()
					rd := in[1].Shape().Dimensions
					switch {
					case n.DType() == dtypes.BFloat16:
						bf16Dots++
					case len(rd) == 3 && rd[1] == d && rd[2] == 1: // the head's [D, classes, 1]
						if n.DType() == dtypes.Float32 && in[0].DType() == dtypes.Float32 && in[1].DType() == dtypes.Float32 {
							headDots++
						} else {
							t.Errorf("head product %s", n.Shape())
						}
					case in[1].Type() == NodeTypeConstant && n.DType() == dtypes.Float32: // SumLast
					default:
						otherDots++
						t.Errorf("backbone product %s x %s -> %s not in bf16", in[0].Shape(), in[1].Shape(), n.Shape())
					}
				}
				if logits.DType() != dtypes.Float32 {
					t.Errorf("logits %s", logits.DType())
				}
				return logits
			})
			if err != nil {
				t.Fatal(err)
			}
			side, _ := s.InputSize()
			if _, err := e.Exec(randomImages(2, side, 1)); err != nil {
				t.Fatal(err)
			}
			if bf16Dots < 8 || headDots != 1 {
				t.Errorf("%d bf16 products, %d float32 head products (want >= 8 and 1)", bf16Dots, headDots)
			}
			for v := range ctx.IterVariables() {
				if v.Shape().DType.IsFloat() && v.Shape().DType != dtypes.Float32 { // not the RNG state
					t.Errorf("variable %s is %s", v.ScopeAndName(), v.Shape().DType)
				}
			}
		})
	}
}

// A few SGD steps with bf16 matmuls give losses close to float32's and
// finite float32 gradients, on XLA's CPU plugin (when installed) and on the
// pure-Go backend.
func TestBF16TrainingCloseToFloat32(t *testing.T) {
	configs := map[string]string{"purego": backend.PureGo}
	if p := backend.FindPlugin(); p != "" {
		configs["xla"] = "xla:" + p
	} else {
		t.Log("no XLA CPU plugin installed (make deps): pure-Go only")
	}
	const steps, batch, classes = 3, 8, 5
	for name, config := range configs {
		t.Run(name, func(t *testing.T) {
			images := randomImages(batch, 28, 2)
			labels := tensors.FromValue([]int32{0, 1, 2, 3, 4, 0, 1, 2})
			b, err := backend.NewWithConfig(config)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Finalize()
			run := func(precision string) (losses, norms []float64) {
				s := Spec{ViT: tinyViT(), Head: head.Config{Kind: head.Cosine, Classes: classes, Scale: 30}, Precision: precision}
				ctx := context.New()
				ctx.SetParam(context.ParamInitialSeed, int64(7))
				e, err := context.NewExec(b, ctx, func(ctx *context.Context, images, labels *Node) []*Node {
					ctx.SetTraining(images.Graph(), true)
					l := loss.SoftCE(s.Logits(ctx, images, labels, nil), loss.Targets(labels, classes, 0))
					var vars []*context.Variable
					var values []*Node
					for v := range ctx.IterVariables() {
						if !v.Trainable || !v.Shape().DType.IsFloat() {
							continue
						}
						vars = append(vars, v)
						values = append(values, v.ValueGraph(images.Graph()))
					}
					grads := Gradient(l, values...)
					norm := ScalarZero(images.Graph(), dtypes.Float32)
					for i, g := range grads {
						if g.DType() != dtypes.Float32 {
							t.Errorf("gradient of %s is %s", vars[i].ScopeAndName(), g.DType())
						}
						norm = Add(norm, ReduceAllSum(Square(g)))
						vars[i].SetValueGraph(Sub(values[i], MulScalar(g, 0.01)))
					}
					return []*Node{l, Sqrt(norm)}
				})
				if err != nil {
					t.Fatal(err)
				}
				for range steps {
					out, err := e.Exec(images, labels)
					if err != nil {
						t.Fatal(err)
					}
					losses = append(losses, float64(out[0].Value().(float32)))
					norms = append(norms, float64(out[1].Value().(float32)))
				}
				return losses, norms
			}
			l32, _ := run(PrecisionF32)
			l16, n16 := run(PrecisionBF16)
			t.Logf("losses f32 %.5f, bf16 %.5f; bf16 gradient norms %.4g", l32, l16, n16)
			for i := range l32 {
				if math.IsNaN(n16[i]) || math.IsInf(n16[i], 0) || n16[i] == 0 {
					t.Errorf("step %d: bf16 gradient norm %g", i, n16[i])
				}
				if math.Abs(l16[i]-l32[i]) > 0.05*math.Abs(l32[i]) {
					t.Errorf("step %d: bf16 loss %g, float32 %g", i, l16[i], l32[i])
				}
			}
			if l16[0] == l32[0] {
				t.Error("bf16 loss equals float32's: the matmuls did not round")
			}
			if l32[steps-1] >= l32[0] || l16[steps-1] >= l16[0] {
				t.Errorf("no learning: float32 %v, bf16 %v", l32, l16)
			}
		})
	}
}
