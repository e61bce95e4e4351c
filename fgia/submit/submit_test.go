package submit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/predict"
)

// testData writes a data folder whose meta/train.txt has labels up to
// classes-1 and the named images in testa/.
func testData(t *testing.T, classes int, images ...string) string {
	data := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(filepath.Join(data, "testa"), 0o755)
	os.MkdirAll(filepath.Join(data, "meta"), 0o755)
	os.WriteFile(filepath.Join(data, "meta", "train.txt"), []byte("train/a.png 0\ntrain/b.png "+string(rune('0'+classes-1))+"\n"), 0o644)
	for _, n := range images {
		os.WriteFile(filepath.Join(data, "testa", n), nil, 0o644)
	}
	return data
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	pred := filepath.Join(dir, "p.parquet")
	rows := []predict.Row{
		{Image: "c.jpg", Pred: 2, Logits: []float32{0, 0, 1}},
		{Image: "a.jpg", Pred: 1, Logits: []float32{1, 0, 0}}, // re-distributed: Pred is not the argmax
		{Image: "b,x.jpg", Pred: 1, Logits: []float32{0, 1, 0}},
	}
	if err := predict.Write(pred, rows, nil, nil); err != nil {
		t.Fatal(err)
	}
	data := testData(t, 3, "a.jpg", "b,x.jpg", "c.jpg")
	out := filepath.Join(dir, Name("testa"))
	res, err := WriteWith(pred, out, Options{Data: data, Split: "testa"})
	if err != nil || res.Rows != 3 || len(res.Filled) != 0 {
		t.Fatal(res, err)
	}
	b, _ := os.ReadFile(out)
	if want := "image,label\na.jpg,1\n\"b,x.jpg\",1\nc.jpg,2\n"; string(b) != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b, want)
	}
	if _, err := WriteWith(pred, out, Options{LabelFormat: "%04d", Data: data, Split: "testa"}); err != nil {
		t.Fatal(err)
	}
	if b, _ = os.ReadFile(out); !strings.Contains(string(b), "a.jpg,0001\n") {
		t.Errorf("padded labels:\n%s", b)
	}
}

// TestRefuses: every way a submission could be quietly wrong is an error.
func TestRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, rows []predict.Row) string {
		p := filepath.Join(dir, name)
		if err := predict.Write(p, rows, nil, nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	row := func(img string, pred int32) predict.Row {
		return predict.Row{Image: img, Pred: pred, Logits: []float32{0, 0, 0}}
	}
	data := testData(t, 3, "a.jpg", "b.jpg")
	out := filepath.Join(dir, "s.csv")
	for _, tc := range []struct {
		name string
		pred string
		o    Options
		want string
	}{
		{"no data", write("ok.parquet", []predict.Row{row("a.jpg", 0), row("b.jpg", 1)}), Options{}, "data folder and split are needed"},
		{"missing image", write("miss.parquet", []predict.Row{row("a.jpg", 0)}), Options{Data: data, Split: "testa"}, "no prediction for testa/b.jpg"},
		{"extra image", write("extra.parquet", []predict.Row{row("a.jpg", 0), row("b.jpg", 1), row("z.jpg", 1)}), Options{Data: data, Split: "testa"}, "predicts z.jpg, which is not an image of testa"},
		{"twice", write("dup.parquet", []predict.Row{row("a.jpg", 0), row("a.jpg", 0), row("b.jpg", 1)}), Options{Data: data, Split: "testa"}, "image a.jpg is listed twice"},
		{"class out of range", write("range.parquet", []predict.Row{row("a.jpg", 0), row("b.jpg", 12)}), Options{Data: data, Split: "testa"}, "predicts class 12, outside [0, 3)"},
		{"more classes than the data", write("wide.parquet", []predict.Row{row("a.jpg", 0), row("b.jpg", 1)}), Options{Data: testData(t, 2, "a.jpg", "b.jpg"), Split: "testa"}, "has 3 classes"},
		{"string verb", write("fmt.parquet", []predict.Row{row("a.jpg", 0), row("b.jpg", 1)}), Options{Data: data, Split: "testa", LabelFormat: "%s"}, "want one integer verb"},
		{"two verbs", write("fmt2.parquet", []predict.Row{row("a.jpg", 0), row("b.jpg", 1)}), Options{Data: data, Split: "testa", LabelFormat: "%d-%d"}, "want one integer verb"},
		{"no verb", write("fmt3.parquet", []predict.Row{row("a.jpg", 0), row("b.jpg", 1)}), Options{Data: data, Split: "testa", LabelFormat: "cls"}, "want one integer verb"},
	} {
		if _, err := WriteWith(tc.pred, out, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused submission was written")
	}
}

// TestFillsUnreadable: images the prediction could not read get the most
// frequent label and are named.
func TestFillsUnreadable(t *testing.T) {
	dir := t.TempDir()
	data := testData(t, 3, "a.jpg", "b.jpg", "c.jpg", "README.txt")
	bad, _ := json.Marshal([]predict.Unreadable{{Image: "README.txt", Error: "unreadable: not an image"}})
	pred := filepath.Join(dir, "p.parquet")
	rows := []predict.Row{
		{Image: "a.jpg", Pred: 2, Logits: []float32{0, 0, 1}},
		{Image: "b.jpg", Pred: 2, Logits: []float32{0, 0, 1}},
		{Image: "c.jpg", Pred: 1, Logits: []float32{0, 1, 0}},
		{Image: "README.txt", Pred: 0, Logits: []float32{0, 0, 0}},
	}
	if err := predict.Write(pred, rows, nil, map[string]string{predict.MetaUnreadable: string(bad)}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "s.csv")
	res, err := WriteWith(pred, out, Options{Data: data, Split: "testa"})
	if err != nil || len(res.Filled) != 1 || res.Filled[0] != "README.txt" || res.FillLabel != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "README.txt,2\n") {
		t.Errorf("csv:\n%s", b)
	}
}
