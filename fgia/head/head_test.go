package head

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/gemm"
)

// logits runs a head on fixed features and returns (train logits with labels,
// inference logits).
func logits(t *testing.T, c Config, features [][]float32, labels []int32, margins []float32) ([][]float32, [][]float32) {
	t.Helper()
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New().Checked(false)
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, f, l *Node) []*Node {
		return []*Node{c.Logits(ctx, f, l, margins), c.Logits(ctx, f, nil, margins)}
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(features, labels)
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Value().([][]float32), out[1].Value().([][]float32)
}

func TestArcFace(t *testing.T) {
	features := [][]float32{{1, 0.5, -0.2}, {-0.3, 0.8, 0.1}}
	labels := []int32{2, 0}
	for _, tc := range []struct {
		name    string
		c       Config
		margins []float32
	}{
		{"arcface", Config{Kind: ArcFace, Classes: 4, Scale: 30, Margin: 0.3}, nil},
		{"adaptive", Config{Kind: ArcFace, Classes: 4, Scale: 30, Adaptive: true, MarginMin: 0.05, MarginRange: 0.45}, []float32{0.5, 0.05, 0.2, 0.3}},
		{"subcenter", Config{Kind: SubCenter, Classes: 4, Scale: 30, Margin: 0.3, SubCenters: 3}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.c.Validate(); err != nil {
				t.Fatal(err)
			}
			train, infer := logits(t, tc.c, features, labels, tc.margins)
			for i := range features {
				for j := range train[i] {
					cos := float64(infer[i][j]) / tc.c.Scale
					if cos < -1.0001 || cos > 1.0001 {
						t.Fatalf("inference logit %g is not s*cos", infer[i][j])
					}
					want := cos
					if j == int(labels[i]) {
						m := tc.c.Margin
						if tc.margins != nil {
							m = float64(tc.margins[j])
						}
						if cos > math.Cos(math.Pi-m) {
							want = math.Cos(math.Acos(cos) + m)
						} else {
							want = cos - m*math.Sin(m)
						}
					}
					if got := float64(train[i][j]) / tc.c.Scale; math.Abs(got-want) > 1e-4 {
						t.Errorf("sample %d class %d: train cos %g, want %g (inference %g)", i, j, got, want, cos)
					}
				}
			}
		})
	}
}

func TestAdaptiveMargins(t *testing.T) {
	c := Config{MarginMin: 0.05, MarginRange: 0.45}
	m := c.AdaptiveMargins([]int{422, 3, 100, 422})
	if math.Abs(float64(m[1])-0.5) > 1e-6 || math.Abs(float64(m[0])-0.05) > 1e-6 || !(m[2] > m[0] && m[2] < m[1]) {
		t.Errorf("margins %v: want rare class 0.5, frequent 0.05, between in the middle", m)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{Kind: "softmax", Classes: 3},
		{Kind: ArcFace, Classes: 3},
		{Kind: Linear, Classes: 1},
		{Kind: SubCenter, Classes: 3, Scale: 30},
		{Kind: ArcFace, Classes: 3, Scale: 30, Margin: 2},
	} {
		if c.Validate() == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

// Inside a bf16 gemm.WithCompute (a caller building more than a backbone in
// mixed precision) the head's products stay float32.
func TestHeadStaysFloat32InBF16Scope(t *testing.T) {
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{{Kind: Linear, Classes: 3}, {Kind: Cosine, Classes: 3, Scale: 30}} {
		ctx := context.New()
		e, err := context.NewExec(b, ctx, func(ctx *context.Context, f *Node) *Node {
			out := gemm.WithCompute(f.Graph(), dtypes.BFloat16, func() *Node { return c.Logits(ctx, f, nil, nil) })
			for _, n := range f.Graph().Nodes() {
				if n.Type() == NodeTypeDotGeneral && n.DType() != dtypes.Float32 {
					t.Errorf("%s head: a %s product", c.Kind, n.DType())
				}
			}
			return out
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Exec([][]float32{{1.001, 0.5, -0.2}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMarginWarmup: the graph parameter ParamMarginScale scales the margin:
// 0 gives the plain cosine logits, 1 the full ArcFace margin, 0.5 half of it.
func TestMarginWarmup(t *testing.T) {
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Kind: ArcFace, Classes: 3, Scale: 10, Margin: 0.4, MarginWarmupEpochs: 1}
	features := [][]float32{{1, 0.5, -0.2}}
	labels := []int32{1}
	// One context, so every call sees the same class weights.
	ctx := context.New().Checked(false)
	e := context.MustNewExec(b, ctx, func(ctx *context.Context, f, l, s *Node) []*Node {
		ctx.SetGraphParam(f.Graph(), ParamMarginScale, s)
		return []*Node{c.Logits(ctx, f, l, nil), c.Logits(ctx, f, nil, nil)}
	})
	var infer []float32
	at := func(scale float32) []float32 {
		out := e.MustExec(features, labels, scale)
		infer = out[1].Value().([][]float32)[0]
		return out[0].Value().([][]float32)[0]
	}
	none, half, full := at(0), at(0.5), at(1)
	theta := math.Acos(float64(infer[1]) / c.Scale)
	for _, tc := range []struct {
		name string
		got  float32
		m    float64
	}{{"scale 0", none[1], 0}, {"scale 0.5", half[1], 0.2}, {"scale 1", full[1], 0.4}} {
		if want := c.Scale * math.Cos(theta+tc.m); math.Abs(float64(tc.got)-want) > 1e-4 {
			t.Errorf("%s: target logit %g, want s cos(theta + %g) = %g", tc.name, tc.got, tc.m, want)
		}
	}
	if none[0] != full[0] || none[2] != full[2] {
		t.Errorf("non-target logits moved with the margin: %v %v", none, full)
	}
}
