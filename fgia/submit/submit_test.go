package submit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/predict"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	pred := filepath.Join(dir, "p.parquet")
	rows := []predict.Row{
		{Image: "c.jpg", Pred: 2, Logits: []float32{0, 0, 1}},
		{Image: "a.jpg", Pred: 10, Logits: []float32{1, 0, 0}}, // re-distributed: Pred is not the argmax
		{Image: "b,x.jpg", Pred: 1, Logits: []float32{0, 1, 0}},
	}
	if err := predict.Write(pred, rows, nil, nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, Name("testb"))
	if err := Write(pred, out); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if want := "image,label\na.jpg,10\n\"b,x.jpg\",1\nc.jpg,2\n"; string(b) != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b, want)
	}
	if filepath.Base(out) != "submission_testb.csv" {
		t.Error(out)
	}
	// Padded labels, and a check against the split's images.
	data := filepath.Join(dir, "data")
	os.MkdirAll(filepath.Join(data, "testa"), 0o755)
	for _, n := range []string{"a.jpg", "b,x.jpg", "c.jpg"} {
		os.WriteFile(filepath.Join(data, "testa", n), nil, 0o644)
	}
	n, err := WriteWith(pred, out, Options{LabelFormat: "%04d", Data: data, Split: "testa"})
	if err != nil || n != 3 {
		t.Fatal(n, err)
	}
	b, _ = os.ReadFile(out)
	if !strings.Contains(string(b), "a.jpg,0010\n") || strings.Count(string(b), "\n") != 4 {
		t.Errorf("csv:\n%s", b)
	}
	os.WriteFile(filepath.Join(data, "testa", "d.jpg"), nil, 0o644)
	if _, err := WriteWith(pred, out, Options{Data: data, Split: "testa"}); err == nil || !strings.Contains(err.Error(), "no prediction for testa/d.jpg") {
		t.Errorf("missing image: %v", err)
	}
	os.Remove(filepath.Join(data, "testa", "a.jpg"))
	if _, err := WriteWith(pred, out, Options{Data: data, Split: "testa"}); err == nil || !strings.Contains(err.Error(), "predicts a.jpg") {
		t.Errorf("extra image: %v", err)
	}
	dup := filepath.Join(dir, "dup.parquet")
	predict.Write(dup, []predict.Row{rows[0], rows[0]}, nil, nil)
	if err := Write(dup, out); err == nil {
		t.Error("duplicate image: no error")
	}
}
