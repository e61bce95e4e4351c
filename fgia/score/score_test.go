package score

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/predict"
)

func TestScore(t *testing.T) {
	// Three classes; class 0 frequent in training, class 2 rare.
	rows := []predict.Row{
		{Image: "a", Pred: 0, Logits: []float32{3, 1, 0}}, // label 0: right
		{Image: "b", Pred: 0, Logits: []float32{3, 2, 1}}, // label 1: wrong, in top-2
		{Image: "c", Pred: 1, Logits: []float32{0, 2, 1}}, // label 1: right
		{Image: "d", Pred: 0, Logits: []float32{2, 1, 0}}, // label 2: wrong
		{Image: "x", Pred: 2, Logits: []float32{0, 0, 5}}, // unlabelled: ignored
	}
	labels := map[string]int{"a": 0, "b": 1, "c": 1, "d": 2, "missing": 0}
	r, err := Score(rows, labels, []int{300, 30, 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.Images != 4 || r.Top1 != 0.5 || r.Top5 != 1 || r.Missing != 1 {
		t.Errorf("images %d top1 %g top5 %g missing %d", r.Images, r.Top1, r.Top5, r.Missing)
	}
	if math.Abs(r.MeanPerClass-(1+0.5+0)/3) > 1e-12 {
		t.Errorf("mean per-class %g", r.MeanPerClass)
	}
	if r.Bands[longtail.Head] != 1 || r.Bands[longtail.Medium] != 0.5 || r.Bands[longtail.Tail] != 0 {
		t.Errorf("bands %v", r.Bands)
	}
	if _, err := Score(rows, map[string]int{"a": 7}, nil); err == nil {
		t.Error("label beyond the model's classes: no error")
	}
}

func TestReadLabels(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l.txt")
	os.WriteFile(p, []byte("a.png 3\n\nb.png 1\n"), 0o644)
	l, err := ReadLabels(p)
	if err != nil || len(l) != 2 || l["a.png"] != 3 {
		t.Errorf("%v %v", l, err)
	}
	os.WriteFile(p, []byte("a.png x\n"), 0o644)
	if _, err := ReadLabels(p); err == nil {
		t.Error("bad label: no error")
	}
}
