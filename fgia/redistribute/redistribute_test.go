package redistribute

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/fgia/fgia/fgia/predict"
)

// biased builds n images of a uniform test set over classes classes and the
// probabilities of a long-tail-trained model: the true class gets a signal,
// and class c a prior bias that falls with c (class 0 is the head). It
// returns the probability matrix and the true labels.
func biased(n, classes int, seed uint64) (*predict.Matrix, []int32) {
	return biasedModel(n, classes, seed, 1.5, 3)
}

// biasedModel is biased with the model's noise and true-class signal.
func biasedModel(n, classes int, seed uint64, noise, signal float64) (*predict.Matrix, []int32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := &predict.Matrix{Classes: classes, Data: make([]float32, n*classes)}
	truth := make([]int32, n)
	for i := 0; i < n; i++ {
		m.Images = append(m.Images, fmt.Sprintf("img-%05d", i))
		y := i % classes
		truth[i] = int32(y)
		row := m.Row(i)
		for c := range row {
			z := noise*rng.NormFloat64() - 1.2*math.Log(float64(c+1))
			if c == y {
				z += signal
			}
			row[c] = float32(z)
		}
	}
	m.Softmax()
	return m, truth
}

func clone(m *predict.Matrix) *predict.Matrix {
	c := *m
	c.Data = slices.Clone(m.Data)
	return &c
}

func minMax(counts []int) (int, int) {
	return slices.Min(counts), slices.Max(counts)
}

// refChampion is the champion's script, literally: full column scans with
// the original labels.
func refChampion(m *predict.Matrix, k int) []int32 {
	pred := Argmax(m)
	labels := slices.Clone(pred)
	count := Counts(pred, m.Classes)
	for _, c := range championOrder(count, k) {
		type sc struct {
			p float32
			i int
		}
		var col []sc
		for i := range pred {
			if pred[i] != int32(c) {
				col = append(col, sc{m.Row(i)[c], i})
			}
		}
		sort.SliceStable(col, func(a, b int) bool { return col[a].p > col[b].p })
		for _, x := range col[:k-count[c]] {
			labels[x.i] = int32(c)
		}
	}
	return labels
}

// refExclusive is the default one pass with a full column scan per step.
func refExclusive(m *predict.Matrix, k int) []int32 {
	labels := Argmax(m)
	count := Counts(labels, m.Classes)
	var under []int
	for c, n := range count {
		if n < k {
			under = append(under, c)
		}
	}
	sort.SliceStable(under, func(a, b int) bool { return count[under[a]] < count[under[b]] })
	locked := make([]bool, len(labels))
	for _, c := range under {
		for count[c] < k {
			i := bestEligible(m, c, labels, locked, count, k)
			if i < 0 {
				break
			}
			count[labels[i]]--
			count[c]++
			labels[i], locked[i] = int32(c), true
		}
	}
	return labels
}

func TestOnePass(t *testing.T) {
	for _, tc := range []struct {
		n, classes, k int
	}{{600, 20, 25}, {600, 20, 30}, {1000, 50, 15}, {90, 10, 12}} { // the last: N < K*C
		m, truth := biased(tc.n, tc.classes, uint64(tc.n+tc.k))
		pred := Argmax(m)
		before := Counts(pred, tc.classes)
		if lo, _ := minMax(before); lo >= tc.k {
			t.Fatalf("%+v: the biased model already gives every class %d images", tc, lo)
		}
		labels, moved := OnePass{K: tc.k}.Run(m)
		counts := Counts(labels, tc.classes)
		lo, _ := minMax(counts)
		if tc.n >= tc.k*tc.classes && lo < tc.k {
			t.Errorf("%+v: a class has %d < K images after the pass", tc, lo)
		}
		if want := refExclusive(m, tc.k); !slices.Equal(labels, want) {
			t.Errorf("%+v: candidate lists and full scans disagree", tc)
		}
		changed := 0
		for i := range labels {
			if labels[i] != pred[i] {
				changed++
			}
		}
		if changed != moved || moved == 0 {
			t.Errorf("%+v: moved %d, changed %d", tc, moved, changed)
		}
		// Exclusive: no class is pushed below K by the moves.
		for c := range counts {
			if counts[c] < min(before[c], tc.k) {
				t.Errorf("%+v: class %d went from %d to %d", tc, c, before[c], counts[c])
			}
		}
		champ, _ := OnePass{K: tc.k, Champion: true}.Run(m)
		if want := refChampion(m, tc.k); !slices.Equal(champ, want) {
			t.Errorf("%+v: champion mode differs from the script", tc)
		}
		accBefore, _ := Accuracy(pred, truth)
		accAfter, _ := Accuracy(labels, truth)
		t.Logf("%+v: top-1 %.3f -> %.3f (champion %.3f), moved %d, min count %d -> %d", tc, accBefore, accAfter,
			func() float64 { a, _ := Accuracy(champ, truth); return a }(), moved, slices.Min(before), lo)
		if tc.n >= tc.k*tc.classes && accAfter <= accBefore {
			t.Errorf("%+v: re-distribution did not help on a uniform test set: %.3f -> %.3f", tc, accBefore, accAfter)
		}
	}
	// K at or below every count changes nothing.
	m, _ := biased(200, 5, 1)
	if labels, moved := (OnePass{K: 1}).Run(m); moved != 0 || !slices.Equal(labels, Argmax(m)) {
		t.Errorf("K 1 moved %d", moved)
	}
}

func TestChampionOrder(t *testing.T) {
	// Counts 3, 1, 5, 1, 3, 0 with K 4: groups by count in order of first
	// appearance (3, 1, 0), classes by index within.
	got := championOrder([]int{3, 1, 5, 1, 3, 0}, 4)
	if want := []int{0, 4, 1, 3, 5}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestSinkhorn(t *testing.T) {
	const n, classes = 2000, 40
	m, truth := biased(n, classes, 7)
	pred := Argmax(m)
	accBefore, _ := Accuracy(pred, truth)
	loB, hiB := minMax(Counts(pred, classes))
	for _, power := range []float64{1, 3} {
		mm := clone(m)
		res := Sinkhorn{Power: power, Tol: 1e-4, Iters: 500}.Run(mm)
		target := float64(n) / classes
		if res.MaxDev > 1e-4 {
			t.Errorf("power %g: max deviation %g after %d iterations", power, res.MaxDev, res.Iters)
		}
		// The plan m now holds: rows sum to 1, columns to N/C.
		cols := make([]float64, classes)
		for i := 0; i < n; i++ {
			var sum float64
			for c, v := range mm.Row(i) {
				sum += float64(v)
				cols[c] += float64(v)
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Fatalf("power %g: row %d sums to %g", power, i, sum)
			}
		}
		for c := range cols {
			if math.Abs(cols[c]-target)/target > 1e-3 || math.Abs(res.Mass[c]-target)/target > 1e-3 {
				t.Errorf("power %g class %d: mass %g (reported %g), want %g", power, c, cols[c], res.Mass[c], target)
			}
		}
		if !slices.Equal(res.Labels, Argmax(mm)) {
			t.Errorf("power %g: labels are not the plan's argmax", power)
		}
		lo, hi := minMax(Counts(res.Labels, classes))
		acc, _ := Accuracy(res.Labels, truth)
		t.Logf("power %g: %d iterations, counts [%d, %d] -> [%d, %d], top-1 %.3f -> %.3f", power, res.Iters, loB, hiB, lo, hi, accBefore, acc)
		if hi-lo >= hiB-loB {
			t.Errorf("power %g: counts [%d, %d] are no more balanced than [%d, %d]", power, lo, hi, loB, hiB)
		}
		if acc <= accBefore {
			t.Errorf("power %g: top-1 %.3f, argmax %.3f", power, acc, accBefore)
		}
		// The rare classes get the larger scale.
		if res.Scale[classes-1] <= res.Scale[0] {
			t.Errorf("power %g: scale of the head %g, of the tail %g", power, res.Scale[0], res.Scale[classes-1])
		}
	}
	// A balanced, confident matrix stays as it is.
	eye := &predict.Matrix{Classes: 3, Images: []string{"a", "b", "c"}, Data: []float32{0.9, 0.05, 0.05, 0.1, 0.8, 0.1, 0.2, 0.1, 0.7}}
	if res := (Sinkhorn{}).Run(eye); !slices.Equal(res.Labels, []int32{0, 1, 2}) {
		t.Errorf("balanced matrix relabelled to %v", res.Labels)
	}
	// Capped iterations stop and report the deviation.
	if res := (Sinkhorn{Iters: 1}).Run(clone(m)); res.Iters != 1 || res.MaxDev <= 1e-3 {
		t.Errorf("one iteration: %d iterations, deviation %g", res.Iters, res.MaxDev)
	}
	// An all-zero row does not produce NaN.
	z := &predict.Matrix{Classes: 2, Images: []string{"a", "b"}, Data: []float32{0, 0, 1, 0}}
	res := Sinkhorn{}.Run(z)
	for _, v := range z.Data {
		if math.IsNaN(float64(v)) {
			t.Fatalf("NaN in plan %v (%+v)", z.Data, res)
		}
	}
}

func TestSweepK(t *testing.T) {
	m, truth := biased(600, 20, 3)
	pts, err := SweepK(m, truth, []int{0, 20, 25}, false)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := Accuracy(Argmax(m), truth)
	if len(pts) != 3 || pts[0].K != 0 || pts[0].Top1 != base || pts[0].Moved != 0 || pts[2].MinCount < 25 {
		t.Errorf("sweep %+v (argmax %.3f)", pts, base)
	}
	if _, err := SweepK(m, truth[:3], []int{1}, false); err == nil {
		t.Error("short truth: no error")
	}
	none := Truth(m.Images, map[string]int{"unknown": 1})
	if _, err := SweepK(m, none, []int{1}, false); err == nil {
		t.Error("no labels: no error")
	}
	if tr := Truth([]string{"a", "b"}, map[string]int{"b": 4}); !slices.Equal(tr, []int32{-1, 4}) {
		t.Errorf("Truth %v", tr)
	}
}

// Example re-distributes four images over two classes: the model calls
// all four class 0, the test set is uniform.
func Example() {
	m := &predict.Matrix{Classes: 2, Images: []string{"a", "b", "c", "d"},
		Data: []float32{0.9, 0.1, 0.6, 0.4, 0.55, 0.45, 0.8, 0.2}}
	labels, moved := OnePass{K: 2}.Run(m)
	fmt.Println("one pass:", labels, moved, "moved")
	res := Sinkhorn{Tol: 1e-6}.Run(m)
	fmt.Println("sinkhorn:", res.Labels)
	// Output:
	// one pass: [0 1 1 0] 2 moved
	// sinkhorn: [0 1 1 0]
}
