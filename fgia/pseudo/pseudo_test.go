package pseudo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/predict"
)

// teacher writes a prediction file whose rows have the given labels and
// scores (the logits only need the right length).
func teacher(t *testing.T, path, split string, names []string, preds []int32, scores []float32) string {
	t.Helper()
	rows := make([]predict.Row, len(names))
	for i := range names {
		rows[i] = predict.Row{Image: names[i], Pred: preds[i], Score: scores[i], Logits: make([]float32, 3)}
	}
	if err := predict.Write(path, rows, []int{5, 3, 1}, map[string]string{predict.MetaSplit: split}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSelect(t *testing.T) {
	dir := t.TempDir()
	f := teacher(t, filepath.Join(dir, "t.parquet"), "testa",
		[]string{"a.png", "b.png", "c.png", "d.png"}, []int32{0, 1, 2, 1}, []float32{0.9, 0.5, 0.51, 0.2})
	s, err := Select(f, 0.5, map[string]int{"a.png": 0, "c.png": 1, "d.png": 1})
	if err != nil {
		t.Fatal(err)
	}
	// 0.5 is not above the threshold: b is dropped.
	if s.Images != 4 || s.Kept != 2 || s.Labelled != 2 || s.Correct != 1 || s.Accuracy() != 0.5 || s.Split != "testa" || s.Classes != 3 {
		t.Errorf("selection %+v", s)
	}
	if s.Picks[0] != (Pick{"a.png", 0, 0.9}) || s.Picks[1].Image != "c.png" || s.Picks[1].Label != 2 {
		t.Errorf("picks %+v", s.Picks)
	}
	if s, _ := Select(f, 0, nil); s.Kept != 4 || s.Labelled != 0 || s.Accuracy() != 0 {
		t.Errorf("threshold 0: %+v", s)
	}
	if _, err := Select(f, 1, nil); err == nil {
		t.Error("threshold 1: no error")
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	for _, p := range []string{"testa/a.png", "testa/b.png", "testb/x.png", "train/0/t1.png", "train/1/t2.png"} {
		os.MkdirAll(filepath.Join(data, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(data, p), []byte("img"), 0o644)
	}
	base := filepath.Join(data, "meta", "train_clean.txt")
	os.MkdirAll(filepath.Dir(base), 0o755)
	// The base holds an earlier round's Test-A pseudo-label: replaced.
	os.WriteFile(base, []byte("train/0/t1.png 0\ntrain/1/t2.png 1\ntesta/b.png 2\n"), 0o644)
	ta := teacher(t, filepath.Join(dir, "a.parquet"), "testa", []string{"a.png", "b.png"}, []int32{2, 1}, []float32{0.8, 0.3})
	tb := teacher(t, filepath.Join(dir, "b.parquet"), "testb", []string{"x.png"}, []int32{1}, []float32{0.6})
	out := filepath.Join(dir, "list.txt")
	st, err := Write(out, base, data, []string{"testa", "testb"}, []string{ta, tb}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if *st != (Stats{Base: 2, Replaced: 1, Pseudo: 2}) {
		t.Errorf("stats %+v", st)
	}
	b, _ := os.ReadFile(out)
	want := "train/0/t1.png 0\ntrain/1/t2.png 1\ntesta/a.png 2\ntestb/x.png 1\n"
	if string(b) != want {
		t.Errorf("list:\n%s\nwant:\n%s", b, want)
	}
	// The training side reads it: every line parses, every path is a file.
	anns, bad, err := dataset.ReadAnnotations(out, 3)
	if err != nil || len(bad) > 0 || len(anns) != 4 {
		t.Fatalf("ReadAnnotations: %d, %v, %v", len(anns), bad, err)
	}
	for _, a := range anns {
		if _, err := os.Stat(dataset.Layout{Root: data}.Path(a.Path)); err != nil {
			t.Errorf("%s: %v", a.Path, err)
		}
	}
	for _, tc := range []struct {
		splits, teachers []string
		want             string
	}{
		{[]string{"testb"}, []string{ta}, "predicts split testa"},
		{[]string{"testa"}, nil, "splits for"},
	} {
		if _, err := Write(out, base, data, tc.splits, tc.teachers, 0.5); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.splits, err, tc.want)
		}
	}
	ghost := teacher(t, filepath.Join(dir, "g.parquet"), "testa", []string{"ghost.png"}, []int32{0}, []float32{0.9})
	if err := WriteList(out, base, data, []string{"testa"}, []string{ghost}, 0.5); err == nil || !strings.Contains(err.Error(), "ghost.png") {
		t.Errorf("missing image: %v", err)
	}
	if err := WriteList(out, base, "", []string{"testa"}, []string{ghost}, 0.5); err != nil {
		t.Errorf("without a data root nothing is checked: %v", err)
	}
}
