package ensemble

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/predict"
)

// write stores rows (image names and logits) as a prediction file.
func write(t *testing.T, dir, name string, names []string, logits [][]float32, counts []int) string {
	t.Helper()
	rows := make([]predict.Row, len(names))
	for i := range names {
		p, s := predict.ArgmaxSoftmax(logits[i])
		rows[i] = predict.Row{Image: names[i], Pred: int32(p), Score: s, Logits: logits[i]}
	}
	path := filepath.Join(dir, name)
	if err := predict.Write(path, rows, counts, map[string]string{predict.MetaSplit: "testa"}); err != nil {
		t.Fatal(err)
	}
	return path
}

func softmax(z []float32) []float64 {
	p := make([]float64, len(z))
	softmax64(z, p)
	return p
}

func TestWeights(t *testing.T) {
	for _, tc := range []struct {
		acc   []float64
		power float64
		want  []float64
	}{
		{[]float64{0.76, 0.77}, 25, []float64{1, math.Pow(0.77/0.76, 25)}},
		{[]float64{0.5, 0.5, 0.5}, 25, []float64{1, 1, 1}},
		{[]float64{0.8, 0.4}, 1, []float64{2, 1}},
		{[]float64{0.8, 0.4}, 0, []float64{1, 1}},
	} {
		w, err := Weights(tc.acc, tc.power)
		if err != nil {
			t.Fatal(err)
		}
		for i := range w {
			if math.Abs(w[i]-tc.want[i]) > 1e-12 {
				t.Errorf("Weights(%v, %g) = %v, want %v", tc.acc, tc.power, w, tc.want)
				break
			}
		}
	}
	// The champion's weights: one point of accuracy is worth about 1.4x.
	if w, _ := Weights([]float64{0.70, 0.71}, 25); math.Abs(w[1]-1.4256) > 1e-3 {
		t.Errorf("(0.71/0.70)^25 = %g", w[1])
	}
	for _, bad := range [][]float64{nil, {0.5, 0}, {0.5, math.NaN()}, {-1}} {
		if _, err := Weights(bad, 25); err == nil {
			t.Errorf("Weights(%v): no error", bad)
		}
	}
}

func TestCombine(t *testing.T) {
	dir := t.TempDir()
	names := []string{"a.jpg", "b.jpg", "c.jpg"}
	za := [][]float32{{2, 0, 0}, {0, 1, 0}, {0, 0, 3}}
	zb := [][]float32{{0, 2, 0}, {0, 3, 0}, {1, 0, 0}}
	a := write(t, dir, "a", names, za, []int{3, 2, 1})
	// The same images in another order.
	b := write(t, dir, "b", []string{"c.jpg", "a.jpg", "b.jpg"}, [][]float32{zb[2], zb[0], zb[1]}, []int{3, 2, 1})

	// An ensemble of one file is that file: same predictions and
	// probabilities.
	one, err := Combine([]string{a}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "one")
	if err := one.Write(out, nil); err != nil {
		t.Fatal(err)
	}
	orig, _, _ := predict.Read(a)
	got, counts, err := predict.Read(out)
	if err != nil || len(counts) != 3 {
		t.Fatal(err, counts)
	}
	for i := range orig {
		if got[i].Image != orig[i].Image || got[i].Pred != orig[i].Pred || math.Abs(float64(got[i].Score-orig[i].Score)) > 1e-6 {
			t.Errorf("one-file ensemble row %d: %+v, want %+v", i, got[i], orig[i])
		}
		pg, po := softmax(got[i].Logits), softmax(orig[i].Logits)
		for k := range pg {
			if math.Abs(pg[k]-po[k]) > 1e-6 {
				t.Errorf("row %d class %d: p %g, want %g", i, k, pg[k], po[k])
			}
		}
	}

	// Weighted: P = (w_a p_a + w_b p_b) / (w_a + w_b), aligned by name.
	w := []float64{1, 3}
	m, err := Combine([]string{a, b}, w)
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta[predict.MetaSplit] != "testa" || !strings.Contains(m.Meta[MetaEnsemble], `"weights":[1,3]`) || len(m.Counts) != 3 {
		t.Errorf("meta %v counts %v", m.Meta, m.Counts)
	}
	for i := range names {
		pa, pb := softmax(za[i]), softmax(zb[i])
		var sum float64
		for k, v := range m.Row(i) {
			want := (pa[k] + 3*pb[k]) / 4
			if got := math.Exp(float64(v)); math.Abs(got-want) > 1e-6 {
				t.Errorf("image %s class %d: P %g, want %g", names[i], k, got, want)
			}
			sum += math.Exp(float64(v))
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Errorf("image %s: P sums to %g", names[i], sum)
		}
	}
	// Image "a": model a says class 0, model b (weight 3) class 1.
	out = filepath.Join(dir, "ab")
	if err := m.Write(out, nil); err != nil {
		t.Fatal(err)
	}
	rows, _, _ := predict.Read(out)
	if rows[0].Pred != 1 {
		t.Errorf("weighted ensemble predicts %d for a.jpg, want 1", rows[0].Pred)
	}
	pa, pb := softmax(za[0]), softmax(zb[0])
	if want := (pa[1] + 3*pb[1]) / 4; math.Abs(float64(rows[0].Score)-want) > 1e-5 {
		t.Errorf("Score %g, want max P %g", rows[0].Score, want)
	}

	// Different class counts drop the counts; errors name the file.
	c := write(t, dir, "c", names, zb, []int{1, 1, 1})
	if m, err := Combine([]string{a, c}, nil); err != nil || m.Counts != nil {
		t.Errorf("different counts: %v, %v", m.Counts, err)
	}
	for _, tc := range []struct {
		file string
		want string
	}{
		{write(t, dir, "fewer", names[:2], zb[:2], nil), "fewer lacks image c.jpg"},
		{write(t, dir, "other", []string{"a.jpg", "b.jpg", "x.jpg"}, zb, nil), "other has image x.jpg"},
		{write(t, dir, "wide", names, [][]float32{{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}, nil), "wide has 4 classes"},
	} {
		if _, err := Combine([]string{a, tc.file}, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, want an error with %q", err, tc.want)
		}
	}
	if _, err := Combine([]string{a, b}, []float64{1}); err == nil {
		t.Error("one weight for two files: no error")
	}
	if _, err := Combine([]string{a, b}, []float64{0, 0}); err == nil {
		t.Error("zero weights: no error")
	}
}

func TestAccuracy(t *testing.T) {
	dir := t.TempDir()
	f := write(t, dir, "f", []string{"a", "b", "c", "d"}, [][]float32{{1, 0}, {1, 0}, {0, 1}, {0, 1}}, nil)
	acc, err := Accuracy(f, map[string]int{"a": 0, "b": 1, "c": 1, "z": 0})
	if err != nil || math.Abs(acc-2.0/3) > 1e-12 {
		t.Errorf("accuracy %g, %v", acc, err)
	}
	if _, err := Accuracy(f, map[string]int{"z": 0}); err == nil {
		t.Error("no labelled image: no error")
	}
}

// Example shows the champion's weighting: two models scored 0.76 and 0.77
// on the leaderboard.
func ExampleWeights() {
	w, _ := Weights([]float64{0.76, 0.77}, DefaultPower)
	fmt.Printf("%.3f %.3f\n", w[0], w[1])
	// Output: 1.000 1.387
}

func ExampleCombine() {
	dir, _ := os.MkdirTemp("", "ensemble")
	defer os.RemoveAll(dir)
	file := func(name string, z []float32) string {
		p := filepath.Join(dir, name)
		predict.Write(p, []predict.Row{{Image: "x.jpg", Logits: z}}, nil, nil)
		return p
	}
	a := file("a.parquet", []float32{2, 0}) // p = (0.881, 0.119)
	b := file("b.parquet", []float32{0, 2}) // p = (0.119, 0.881)
	m, _ := Combine([]string{a, b}, []float64{1, 3})
	p0, p1 := math.Exp(float64(m.Row(0)[0])), math.Exp(float64(m.Row(0)[1]))
	fmt.Printf("P = (%.3f, %.3f)\n", p0, p1)
	// Output: P = (0.310, 0.690)
}
