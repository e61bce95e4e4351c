package table

import (
	"path/filepath"
	"reflect"
	"testing"
)

type row struct {
	Name   string    `parquet:"name"`
	Score  float32   `parquet:"score"`
	Logits []float32 `parquet:"logits,list"`
}

func TestRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.parquet")
	rows := []row{{"a.jpg", 0.5, []float32{1, 2, 3}}, {"b.jpg", 0.25, []float32{-1, 0, 1}}}
	if err := Write(p, rows); err != nil {
		t.Fatal(err)
	}
	back, err := Read[row](p)
	if err != nil || !reflect.DeepEqual(back, rows) {
		t.Fatalf("read back %+v, %v", back, err)
	}
	if _, err := Read[row](filepath.Join(t.TempDir(), "none.parquet")); err == nil {
		t.Error("missing file: no error")
	}
}
