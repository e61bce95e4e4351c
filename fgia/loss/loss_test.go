package loss

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/backend"
)

var (
	testLogits = [][]float32{{2, 0.5, -1}, {0.1, 0.2, 0.3}, {-0.5, 1.5, 0}}
	testLabels = []int32{0, 2, 2}
)

func hostCE(logits [][]float32, labels []int32, smoothing float64) float64 {
	var total float64
	for i, row := range logits {
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v))
		}
		for c, v := range row {
			t := smoothing / float64(len(row))
			if c == int(labels[i]) {
				t += 1 - smoothing
			}
			total -= t * (float64(v) - math.Log(z))
		}
	}
	return total / float64(len(logits))
}

// exec builds a loss graph and runs it n times, returning the losses and the
// context (for EQL's statistics).
func exec(t *testing.T, c Config, priors []float32, n int) ([]float64, *context.Context) {
	t.Helper()
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New().Checked(false)
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, logits, labels *Node) *Node {
		return c.Compute(ctx, logits, labels, nil, priors)
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for i := 0; i < n; i++ {
		r, err := e.Exec(testLogits, testLabels)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, float64(r[0].Value().(float32)))
	}
	return out, ctx
}

func TestCrossEntropy(t *testing.T) {
	for _, s := range []float64{0, 0.1} {
		got, _ := exec(t, Config{Kind: CE, LabelSmoothing: s}, nil, 1)
		if want := hostCE(testLogits, testLabels, s); math.Abs(got[0]-want) > 1e-5 {
			t.Errorf("smoothing %g: loss %g, want %g", s, got[0], want)
		}
	}
}

func TestBalancedSoftmax(t *testing.T) {
	priors := []float32{0.7, 0.2, 0.1}
	got, _ := exec(t, Config{Kind: Balanced}, priors, 1)
	shifted := make([][]float32, len(testLogits))
	for i, row := range testLogits {
		for c, v := range row {
			shifted[i] = append(shifted[i], v+float32(math.Log(float64(priors[c]))))
		}
	}
	if want := hostCE(shifted, testLabels, 0); math.Abs(got[0]-want) > 1e-5 {
		t.Errorf("loss %g, want %g", got[0], want)
	}
}

// TestEQLAccumulates shows what the champion's code never did: Softmax-EQL's
// statistics grow every step and change the loss.
func TestEQLAccumulates(t *testing.T) {
	c := Config{Kind: EQL, EQLTau: 1, EQLEps: 1e-4}
	losses, ctx := exec(t, c, nil, 3)
	// Step 1: no statistics yet, every class at eps: plain cross-entropy.
	if want := hostCE(testLogits, testLabels, 0); math.Abs(losses[0]-want) > 1e-5 {
		t.Errorf("first step loss %g, want plain CE %g", losses[0], want)
	}
	if losses[1] == losses[0] {
		t.Errorf("the statistics did not change the loss: %v", losses)
	}
	v := ctx.InspectVariable(StatsScope, StatsName)
	if v == nil {
		t.Fatal("no EQL statistics variable")
	}
	stats := v.MustValue().Value().([]float32)
	// Class 1 never appears as a target: its statistic stays 0; classes 0
	// and 2 grew over three steps.
	if stats[1] != 0 || stats[0] <= 0 || stats[2] <= 0 {
		t.Errorf("statistics %v: want class 1 at 0 and classes 0, 2 positive", stats)
	}
	// After the first step class 2 (two samples) has more mass than class 0.
	if stats[2] <= stats[0] {
		t.Errorf("statistics %v: class 2 has two samples, class 0 one", stats)
	}
}

func TestDistill(t *testing.T) {
	b, _ := backend.NewWithConfig(backend.PureGo)
	e := MustNewExec(b, func(logits, teacher *Node) *Node { return Distill(logits, teacher, 2) })
	teacher := [][]float32{{0.6, 0.3, 0.1}, {0.2, 0.2, 0.6}, {0.1, 0.8, 0.1}}
	got := float64(e.MustExec(testLogits, teacher)[0].Value().(float32))
	var want float64
	for i, row := range testLogits {
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v) / 2)
		}
		for c, v := range row {
			want -= float64(teacher[i][c]) * (float64(v)/2 - math.Log(z))
		}
	}
	want = want / 3 * 4
	if math.Abs(got-want) > 1e-5 {
		t.Errorf("distillation loss %g, want %g", got, want)
	}
}
