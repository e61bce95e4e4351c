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

// hostEQL is Softmax-EQL's loss on the host for given statistics g:
// non-target logits z_j += tau*log(max(g_j,eps)/max(g_y,eps)).
func hostEQL(logits [][]float32, labels []int32, g []float64, tau, eps float64) float64 {
	adjusted := make([][]float32, len(logits))
	for i, row := range logits {
		y := labels[i]
		for j, v := range row {
			if int32(j) != y {
				v += float32(tau * math.Log(math.Max(g[j], eps)/math.Max(g[y], eps)))
			}
			adjusted[i] = append(adjusted[i], v)
		}
	}
	return hostCE(adjusted, labels, 0)
}

// TestEQLAccumulates shows what the champion's code never did: Softmax-EQL's
// statistics grow every step and change the loss, by exactly the formula
// (a reversed log ratio, or statistics not accumulated, fail it).
func TestEQLAccumulates(t *testing.T) {
	c := Config{Kind: EQL, EQLTau: 1, EQLEps: 1e-4}
	losses, ctx := exec(t, c, nil, 3)
	// Step 1: no statistics yet, every class at eps: plain cross-entropy.
	if want := hostCE(testLogits, testLabels, 0); math.Abs(losses[0]-want) > 1e-5 {
		t.Errorf("first step loss %g, want plain CE %g", losses[0], want)
	}
	// The statistics after step 1: sum over the samples of class c of
	// 1 - p_c, with p the softmax of the (unadjusted) logits.
	g := make([]float64, 3)
	for i, row := range testLogits {
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v))
		}
		y := testLabels[i]
		g[y] += 1 - math.Exp(float64(row[y]))/z
	}
	if want := hostEQL(testLogits, testLabels, g, 1, 1e-4); math.Abs(losses[1]-want) > 1e-4 {
		t.Errorf("second step loss %g, want %g from the statistics %v", losses[1], want, g)
	}
	if reversed := hostEQL(testLogits, testLabels, []float64{1 / g[0], 1 / math.Max(g[1], 1e-4), 1 / g[2]}, 1, 1e-4); math.Abs(losses[1]-reversed) < 1e-3 {
		t.Errorf("second step loss %g also matches the reversed ratio", losses[1])
	}
	v := ctx.InspectVariable(StatsScope, StatsName)
	if v == nil {
		t.Fatal("no EQL statistics variable")
	}
	stats := v.MustValue().Value().([]float32)
	// Class 1 never appears as a target: its statistic stays 0; classes 0
	// and 2 grew over three steps.
	if stats[1] != 0 || stats[0] <= float32(g[0]) || stats[2] <= float32(g[2]) {
		t.Errorf("statistics %v after three steps: want class 1 at 0 and classes 0, 2 above %v", stats, g)
	}
}

// TestKD checks Hinton's term against the host formula, that it vanishes
// when the student's softened outputs equal the teacher's, and the T^2
// scale.
func TestKD(t *testing.T) {
	b, _ := backend.NewWithConfig(backend.PureGo)
	const temp = 2.0
	e := MustNewExec(b, func(logits, teacher *Node) *Node { return KD(logits, teacher, temp) })
	teacher := [][]float32{{0.6, 0.3, 0.1}, {0.2, 0.2, 0.6}, {0.1, 0.8, 0.1}}
	got := e.MustExec(testLogits, teacher)[0].Value().([]float32)
	for i, row := range testLogits {
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v) / temp)
		}
		var kl float64
		for c, v := range row {
			p := float64(teacher[i][c])
			kl += p * (math.Log(p) - (float64(v)/temp - math.Log(z)))
		}
		if want := temp * temp * kl; math.Abs(float64(got[i])-want) > 1e-5 {
			t.Errorf("sample %d: KD %g, want %g", i, got[i], want)
		}
	}
	// A student whose logits are T log p matches the teacher: KL 0.
	student := make([][]float32, len(teacher))
	for i, row := range teacher {
		for _, p := range row {
			student[i] = append(student[i], float32(temp*math.Log(float64(p))))
		}
	}
	for i, v := range e.MustExec(student, teacher)[0].Value().([]float32) {
		if math.Abs(float64(v)) > 1e-5 {
			t.Errorf("sample %d: KD %g between equal distributions", i, v)
		}
	}
}

// TestComputeWeighted: per-sample weights scale each sample's loss before
// the batch mean.
func TestComputeWeighted(t *testing.T) {
	b, _ := backend.NewWithConfig(backend.PureGo)
	c := Config{Kind: CE}
	ctx := context.New().Checked(false)
	e := context.MustNewExec(b, ctx, func(ctx *context.Context, logits, labels, w *Node) *Node {
		return c.ComputeWeighted(ctx, logits, labels, nil, nil, w)
	})
	got := float64(e.MustExec(testLogits, testLabels, []float32{1, 0, 0.5})[0].Value().(float32))
	want := (hostCE(testLogits[:1], testLabels[:1], 0) + 0.5*hostCE(testLogits[2:], testLabels[2:], 0)) / 3
	if math.Abs(got-want) > 1e-5 {
		t.Errorf("weighted loss %g, want %g", got, want)
	}
}
