package score

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/table"
)

func TestScore(t *testing.T) {
	// Three classes; class 0 frequent in training, class 2 rare.
	rows := []predict.Row{
		{Image: "a", Pred: 0, Logits: []float32{3, 1, 0}}, // label 0: right
		{Image: "b", Pred: 0, Logits: []float32{3, 2, 1}}, // label 1: wrong, in top-2
		{Image: "c", Pred: 1, Logits: []float32{0, 2, 1}}, // label 1: right
		{Image: "d", Pred: 0, Logits: []float32{2, 1, 0}}, // label 2: wrong
	}
	labels := map[string]int{"a": 0, "b": 1, "c": 1, "d": 2}
	r, err := Score(rows, labels, []int{300, 30, 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.Images != 4 || r.Top1 != 0.5 || r.Top5 != 1 {
		t.Errorf("images %d top1 %g top5 %g", r.Images, r.Top1, r.Top5)
	}
	if math.Abs(r.MeanPerClass-(1+0.5+0)/3) > 1e-12 {
		t.Errorf("mean per-class %g", r.MeanPerClass)
	}
	if r.Bands[longtail.Head] != 1 || r.Bands[longtail.Medium] != 0.5 || r.Bands[longtail.Tail] != 0 {
		t.Errorf("bands %v", r.Bands)
	}
	// Class 0 is predicted 3 times, right once: precision 1/3, recall 1.
	if math.Abs(r.Precision[0]-1.0/3) > 1e-12 || r.PerClass[0] != 1 || r.Confusion[2][0] != 1 || r.Confusion[1][1] != 1 {
		t.Errorf("precision %v recall %v confusion %v", r.Precision, r.PerClass, r.Confusion)
	}
}

// TestScoreRefusesMismatches: every way a prediction file can disagree
// with its labels is an error naming the image, never a quietly different
// number.
func TestScoreRefusesMismatches(t *testing.T) {
	ok := []predict.Row{{Image: "a", Pred: 0, Logits: []float32{1, 0}}, {Image: "b", Pred: 1, Logits: []float32{0, 1}}}
	labels := map[string]int{"a": 0, "b": 1}
	for _, tc := range []struct {
		name   string
		rows   []predict.Row
		labels map[string]int
		want   string
	}{
		{"ragged", []predict.Row{ok[0], {Image: "b", Pred: 1, Logits: []float32{0, 1, 2}}}, labels, "image b (row 2) has 3 logits, the first row 2"},
		{"empty logits", []predict.Row{{Image: "a"}}, labels, "image a has no logits"},
		{"pred out of range", []predict.Row{ok[0], {Image: "b", Pred: 7, Logits: []float32{0, 1}}}, labels, "predicts class 7, outside [0, 2)"},
		{"negative pred", []predict.Row{ok[0], {Image: "b", Pred: -1, Logits: []float32{0, 1}}}, labels, "predicts class -1"},
		{"twice", []predict.Row{ok[0], ok[1], ok[0]}, labels, "image a is predicted twice"},
		{"label out of range", ok, map[string]int{"a": 0, "b": 5}, "b has label 5, the predictions have 2 classes"},
		{"labels lack half", ok, map[string]int{"a": 0}, "1 predicted images have no label (first: b)"},
		{"predictions lack one", ok[:1], labels, "1 labelled images have no prediction (first: b)"},
		{"no rows", nil, labels, "no predictions"},
	} {
		if _, err := Score(tc.rows, tc.labels, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	r, err := ScoreWith(ok[:1], labels, nil, Options{AllowMissing: true})
	if err != nil || r.Images != 1 || len(r.Missing) != 1 || r.Missing[0] != "b" {
		t.Errorf("with AllowMissing: %+v, %v", r, err)
	}
}

func TestReadLabels(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l.txt")
	os.WriteFile(p, []byte("\xef\xbb\xbfa.png 3\n\nb c.png 1\n"), 0o644)
	l, err := ReadLabels(p)
	if err != nil || len(l) != 2 || l["a.png"] != 3 || l["b c.png"] != 1 {
		t.Errorf("%v %v", l, err)
	}
	for _, tc := range []struct{ text, want string }{
		{"a.png x\n", `label "x" is not a class index`},
		{"a.png -1\n", `label "-1" is not a class index`},
		{"a.png 1\na.png 2\n", "a.png is already labelled at line 1"},
		{"\n\n", "has no labels"},
		{"\xff\xfea\x00", "UTF-16"},
		{"lonely\n", "want \"name label\""},
	} {
		os.WriteFile(p, []byte(tc.text), 0o644)
		if _, err := ReadLabels(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestWriteTables(t *testing.T) {
	rows := []predict.Row{{Image: "a", Pred: 0, Logits: []float32{1, 0}}, {Image: "b", Pred: 0, Logits: []float32{1, 0}}}
	r, err := Score(rows, map[string]int{"a": 0, "b": 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := r.WriteTables(dir, []string{"cat", "dog"}); err != nil {
		t.Fatal(err)
	}
	per, err := table.Read[ClassRow](filepath.Join(dir, PerClassFile))
	if err != nil || len(per) != 2 {
		t.Fatalf("per_class: %v %v", per, err)
	}
	if c := per[0]; c.Name != "cat" || c.Support != 1 || c.Predicted != 2 || c.Precision != 0.5 || c.Recall != 1 {
		t.Errorf("cat: %+v", c)
	}
	if d := per[1]; d.Name != "dog" || d.Precision != 0 || d.Recall != 0 || d.Top5 != 1 {
		t.Errorf("dog: %+v", d)
	}
	cells, err := table.Read[ConfusionRow](filepath.Join(dir, ConfusionFile))
	if err != nil || len(cells) != 2 || cells[0] != (ConfusionRow{0, 0, 1}) || cells[1] != (ConfusionRow{1, 0, 1}) {
		t.Errorf("confusion: %v %v", cells, err)
	}
}
