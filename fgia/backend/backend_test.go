package backend

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/fgia/fgia/fgia/gemm"
	"github.com/fgia/fgia/fgia/nn"
)

func TestChoose(t *testing.T) {
	t.Setenv(EnvBackend, "go")
	if c := Choose(); c.Config != "go" || c.Why != "GOMLX_BACKEND" {
		t.Errorf("explicit GOMLX_BACKEND: %v", c)
	}
	t.Setenv(EnvBackend, "")
	fake := filepath.Join(t.TempDir(), "plugin.so")
	os.WriteFile(fake, []byte("x"), 0o644)
	t.Setenv(EnvPlugin, fake)
	if c := Choose(); c.Config != "xla:"+fake {
		t.Errorf("FGIA_XLA_PLUGIN: %v", c)
	}
	t.Setenv(EnvPlugin, "")
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(t.TempDir()) // no build/xla above a temp folder
	if c := Choose(); c.Config != PureGo && !strings.HasPrefix(c.Config, "xla:") {
		t.Errorf("fallback: %v", c)
	}
}

// graphs is a small forward-and-gradient computation exercising the ops the
// models use: matmuls with gemm gradients, softmax, erf, reductions, and the
// forms fgia/nn takes on the pure-Go backend only (sums as products with
// ones, explicit broadcasts).
func graphs(x, w *Node) []*Node {
	h := gemm.Dense(x, w)
	h = Mul(h, OnePlus(Erf(h)))
	p := Softmax(h, -1)
	e, sum := nn.SoftmaxParts(h)
	q := Div(e, nn.Expand(sum, e))
	c := Sub(h, nn.Expand(nn.MeanLast(h), h))
	loss := ReduceAllSum(Mul(Add(p, Mul(q, c)), Sin(IotaFull(x.Graph(), p.Shape()))))
	grads := Gradient(loss, x, w)
	return []*Node{p, q, c, grads[0], grads[1]}
}

func run(t *testing.T, b backends.Backend) [][]float32 {
	x := make([]float32, 4*6)
	w := make([]float32, 6*5)
	for i := range x {
		x[i] = float32(i%7-3) * 0.3
	}
	for i := range w {
		w[i] = float32(i%5-2) * 0.2
	}
	e, err := NewExec(b, graphs)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(tensors.FromFlatDataAndDimensions(x, 4, 6), tensors.FromFlatDataAndDimensions(w, 6, 5))
	if err != nil {
		t.Fatal(err)
	}
	var res [][]float32
	for _, o := range out {
		var flat []float32
		o.ConstFlatData(func(f any) { flat = append(flat, f.([]float32)...) })
		res = append(res, flat)
	}
	return res
}

// TestBackendsAgree runs the same graphs, forward and gradient, on the pure-Go
// backend and on XLA's CPU plugin, and compares them.
func TestBackendsAgree(t *testing.T) {
	plugin := FindPlugin()
	if plugin == "" {
		t.Skip("no XLA CPU plugin installed (make deps installs it in build/xla)")
	}
	gob, err := NewWithConfig(PureGo)
	if err != nil {
		t.Fatal(err)
	}
	xb, err := NewWithConfig("xla:" + plugin)
	if err != nil {
		t.Fatal(err)
	}
	a, b := run(t, gob), run(t, xb)
	for k := range a {
		for i := range a[k] {
			if d := math.Abs(float64(a[k][i] - b[k][i])); d > 1e-4*(1+math.Abs(float64(a[k][i]))) {
				t.Fatalf("output %d[%d]: go %g, xla %g", k, i, a[k][i], b[k][i])
			}
		}
	}
}
