package adjust

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/fgia/fgia/fgia/predict"
)

func TestLogPriors(t *testing.T) {
	lp, err := LogPriors([]int{6, 3, 0}) // 0 counts as 1: total 10
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range []float64{math.Log(0.6), math.Log(0.3), math.Log(0.1)} {
		if math.Abs(lp[c]-want) > 1e-12 {
			t.Errorf("class %d: %g, want %g", c, lp[c], want)
		}
	}
	if _, err := LogPriors(nil); err == nil {
		t.Error("no counts: no error")
	}
	if _, err := LogPriors([]int{1, -1}); err == nil {
		t.Error("negative count: no error")
	}
}

func TestRowsMoveTowardRareClasses(t *testing.T) {
	counts := []int{100, 10, 1}
	lp, _ := LogPriors(counts)
	for _, tc := range []struct {
		z    []float32
		tau  float64
		want int32
	}{
		{[]float32{1, 0.5, 0.2}, 0, 0},   // tau 0: nothing changes
		{[]float32{1, 0.5, 0.2}, 1, 2},   // the rare class gains log(100) over the head
		{[]float32{5, 0.5, 0.2}, 1, 0},   // a confident head prediction stays
		{[]float32{1, 1.5, -9}, 1, 1},    // medium beats head
		{[]float32{1, 0.5, 0.2}, 0.1, 0}, // a weak adjustment is not enough
	} {
		rows := []predict.Row{{Image: "x", Logits: append([]float32(nil), tc.z...)}}
		if err := Rows(rows, lp, tc.tau); err != nil {
			t.Fatal(err)
		}
		if rows[0].Pred != tc.want {
			t.Errorf("z %v tau %g: pred %d, want %d", tc.z, tc.tau, rows[0].Pred, tc.want)
		}
		for c := range tc.z {
			if want := float64(tc.z[c]) - tc.tau*lp[c]; math.Abs(float64(rows[0].Logits[c])-want) > 1e-5 {
				t.Errorf("z %v tau %g class %d: %g, want %g", tc.z, tc.tau, c, rows[0].Logits[c], want)
			}
		}
		if _, s := predict.ArgmaxSoftmax(rows[0].Logits); rows[0].Score != s {
			t.Errorf("score %g, want %g", rows[0].Score, s)
		}
	}
	if err := Rows([]predict.Row{{Logits: []float32{1}}}, lp, 1); err == nil {
		t.Error("logit/prior length mismatch: no error")
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.parquet"), filepath.Join(dir, "out.parquet")
	rows := []predict.Row{
		{Image: "a", Logits: []float32{1, 0.5, 0.2}},
		{Image: "b", Logits: []float32{5, 0.5, 0.2}},
	}
	for i := range rows {
		p, s := predict.ArgmaxSoftmax(rows[i].Logits)
		rows[i].Pred, rows[i].Score = int32(p), s
	}
	counts := []int{100, 10, 1}
	if err := predict.Write(in, rows, counts, map[string]string{predict.MetaSplit: "testb"}); err != nil {
		t.Fatal(err)
	}
	st, err := File(in, out, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Images != 2 || st.Changed != 1 {
		t.Errorf("stats %+v", st)
	}
	got, c, err := predict.Read(out)
	if err != nil || len(c) != 3 || got[0].Pred != 2 || got[1].Pred != 0 {
		t.Fatalf("%+v %v %v", got, c, err)
	}
	info, _ := predict.Stat(out)
	if info.Meta[predict.MetaSplit] != "testb" || info.Meta[MetaAdjust] != `{"tau":1}` {
		t.Errorf("meta %v", info.Meta)
	}
	// Counts given by the caller win; a file without counts needs them.
	if err := predict.Write(in, rows, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := File(in, out, 1, nil); err == nil {
		t.Error("no counts anywhere: no error")
	}
	if _, err := File(in, out, 1, []int{1, 1}); err == nil {
		t.Error("2 counts for 3 classes: no error")
	}
	if st, err := File(in, out, 1, []int{1, 1, 100}); err != nil || st.Changed != 0 {
		t.Errorf("counts that favour class 0 changed %+v, %v", st, err)
	}
}

func Example() {
	// Trained on 100 / 10 / 1 images, the model leans to class 0.
	lp, _ := LogPriors([]int{100, 10, 1})
	rows := []predict.Row{{Image: "x.jpg", Logits: []float32{1, 0.5, 0.2}}}
	Rows(rows, lp, DefaultTau)
	fmt.Println("class", rows[0].Pred)
	// Output: class 2
}
