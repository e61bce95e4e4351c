package vit

import (
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/nn"
	"github.com/fgia/fgia/fgia/optim"
)

var tiny = Config{ImageSize: 8, Channels: 2, PatchSize: 4, Dim: 8, Depth: 2, Heads: 2, MLPRatio: 2, ClsToken: true, Pool: PoolAvg, DropPathRate: 0.1, NormEps: 1e-6}

func images(n int, c Config) *tensors.Tensor {
	data := make([]float32, n*c.ImageSize*c.ImageSize*c.Channels)
	for i := range data {
		data[i] = float32((i*37)%17-8) / 8
	}
	return tensors.FromFlatDataAndDimensions(data, n, c.ImageSize, c.ImageSize, c.Channels)
}

func TestShapesAndParams(t *testing.T) {
	b, _ := backend.NewWithConfig(backend.PureGo)
	for _, c := range []Config{tiny, func() Config { c := tiny; c.Pool, c.Depth = PoolCls, 1; return c }(),
		func() Config { c := tiny; c.ClsToken = false; return c }(),
		func() Config { c := tiny; c.ClsToken, c.Pool = false, PoolNormAvg; return c }()} {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		ctx := context.New().Checked(false)
		e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) *Node { return c.Features(ctx, x) })
		if err != nil {
			t.Fatal(err)
		}
		out := e.MustExec(images(3, c))[0]
		if d := out.Shape().Dimensions; len(d) != 2 || d[0] != 3 || d[1] != c.Dim {
			t.Errorf("%+v: features %v, want [3 %d]", c, d, c.Dim)
		}
		n := 0
		for v := range ctx.IterVariables() {
			if v.Trainable {
				n += v.Shape().Size()
			}
		}
		if n != c.NumParams() {
			t.Errorf("%+v: %d parameters created, NumParams says %d", c, n, c.NumParams())
		}
	}
}

func TestPatchify(t *testing.T) {
	b, _ := backend.NewWithConfig(backend.PureGo)
	c := tiny
	in := images(1, c)
	out := MustNewExec(b, func(x *Node) *Node { return c.Patchify(x) }).MustExec(in)[0].Value().([][][]float32)
	src := in.Value().([][][][]float32)[0]
	p, g := c.PatchSize, c.Grid()
	for py := 0; py < g; py++ {
		for px := 0; px < g; px++ {
			i := 0
			for y := 0; y < p; y++ {
				for x := 0; x < p; x++ {
					for ch := 0; ch < c.Channels; ch++ {
						if got, want := out[0][py*g+px][i], src[py*p+y][px*p+x][ch]; got != want {
							t.Fatalf("patch (%d,%d) value %d = %g, want %g", py, px, i, got, want)
						}
						i++
					}
				}
			}
		}
	}
}

// TestTrains overfits a tiny batch: the loss must fall, and drop path must
// only act in training.
func TestTrains(t *testing.T) {
	b, _ := backend.NewWithConfig(backend.PureGo)
	ctx := context.New().Checked(false)
	c := tiny
	o := optim.DefaultAdamW(optim.Schedule{LR: 3e-3, MinLR: 3e-3, TotalSteps: 100})
	step, err := context.NewExec(b, ctx, func(ctx *context.Context, x, y *Node) *Node {
		ctx.SetTraining(x.Graph(), true)
		logits := nn.Linear(ctx.In("head"), c.Features(ctx, x), true, 3)
		target := OneHot(y, 3, logits.DType())
		loss := Neg(ReduceAllMean(ReduceSum(Mul(target, LogSoftmax(logits, -1)), -1)))
		o.Step(ctx, loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	x, y := images(6, c), []int32{0, 1, 2, 0, 1, 2}
	var first, last float32
	for i := 0; i < 40; i++ {
		l := step.MustExec(x, y)[0].Value().(float32)
		if i == 0 {
			first = l
		}
		last = l
	}
	if !(last < first/2) {
		t.Errorf("loss %g -> %g: did not fall by half in 40 steps", first, last)
	}
	infer, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) *Node { return c.Features(ctx, x) })
	if err != nil {
		t.Fatal(err)
	}
	a := infer.MustExec(x)[0].Value().([][]float32)
	bb := infer.MustExec(x)[0].Value().([][]float32)
	if a[0][0] != bb[0][0] {
		t.Error("inference is not deterministic: drop path active outside training?")
	}
}

// TestClsFeaturesMatchAllTokens checks that Features with cls pooling, whose
// last block works on the cls token alone, gives the features and the
// gradients of running every block on every token then pooling.
func TestClsFeaturesMatchAllTokens(t *testing.T) {
	b, _ := backend.NewWithConfig(backend.PureGo)
	c := tiny
	c.Pool, c.DropPathRate = PoolCls, 0
	ctx := context.New().Checked(false)
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) []*Node {
		fast := c.Features(ctx, x)
		full := c.PoolTokens(ctx, c.Blocks(ctx, c.Embed(ctx, x)))
		w := Sin(IotaFull(x.Graph(), fast.Shape()))
		var vars []*Node
		for v := range ctx.IterVariables() {
			vars = append(vars, v.ValueGraph(x.Graph()))
		}
		out := []*Node{fast, full}
		out = append(out, Gradient(ReduceAllSum(Mul(fast, w)), vars...)...)
		return append(out, Gradient(ReduceAllSum(Mul(full, w)), vars...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := e.MustExec(images(3, c))
	n := (len(out) - 2) / 2
	if n < 10 {
		t.Fatalf("%d gradients", n)
	}
	pairs := [][2]*tensors.Tensor{{out[0], out[1]}}
	for i := 0; i < n; i++ {
		pairs = append(pairs, [2]*tensors.Tensor{out[2+i], out[2+n+i]})
	}
	for k, p := range pairs {
		got, _ := tensors.CopyFlatData[float32](p[0])
		want, _ := tensors.CopyFlatData[float32](p[1])
		if len(got) != len(want) {
			t.Fatalf("output %d: %d values, want %d", k, len(got), len(want))
		}
		for i := range want {
			if d := got[i] - want[i]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("output %d [%d]: cls-only %g, all tokens %g", k, i, got[i], want[i])
			}
		}
	}
}
