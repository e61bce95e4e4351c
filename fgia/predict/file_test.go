package predict

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/table"
)

// rowsOf builds n rows of c logits named img-000, img-001, ...
func rowsOf(from, n, c int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		z := make([]float32, c)
		for k := range z {
			z[k] = float32(math.Sin(float64((from+i)*c + k)))
		}
		p, s := ArgmaxSoftmax(z)
		rows[i] = Row{Image: fmt.Sprintf("img-%03d.jpg", from+i), Pred: int32(p), Score: s, Logits: z}
	}
	return rows
}

func TestWriteReadStat(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.parquet")
	rows := rowsOf(0, 5000, 3) // more than one row group
	counts := []int{30, 20, 10}
	if err := Write(p, rows, counts, map[string]string{MetaSplit: "testa", MetaClassCounts: "ignored"}); err != nil {
		t.Fatal(err)
	}
	back, c, err := Read(p)
	if err != nil || !reflect.DeepEqual(back, rows) || !slices.Equal(c, counts) {
		t.Fatalf("read back %d rows, counts %v, %v", len(back), c, err)
	}
	info, err := Stat(p)
	if err != nil || info.Rows != 5000 || info.Classes != 3 || !slices.Equal(info.Counts, counts) ||
		!reflect.DeepEqual(info.Meta, map[string]string{MetaSplit: "testa"}) {
		t.Fatalf("stat %+v, %v", info, err)
	}
	// The file is a plain table for other readers.
	if plain, err := table.Read[Row](p); err != nil || len(plain) != 5000 {
		t.Fatalf("table.Read: %d rows, %v", len(plain), err)
	}
	// No counts: no metadata key, Read gives nil.
	if err := Write(p, rows[:2], nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, c, err := Read(p); err != nil || c != nil {
		t.Errorf("counts %v, %v", c, err)
	}
	// An empty file has no classes.
	if err := Write(p, nil, counts, nil); err != nil {
		t.Fatal(err)
	}
	if info, err := Stat(p); err != nil || info.Rows != 0 || info.Classes != 0 {
		t.Errorf("empty: %+v %v", info, err)
	}
	other := filepath.Join(dir, "other.parquet")
	if err := table.Write(other, []struct {
		X int `parquet:"x"`
	}{{1}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Read(other); err == nil {
		t.Error("reading a non-prediction table: no error")
	}
}

func TestMatrix(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.parquet")
	rows := rowsOf(0, 7, 4)
	if err := Write(p, rows, []int{1, 2, 3, 4}, map[string]string{MetaSplit: "testb"}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMatrix(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Images) != 7 || m.Classes != 4 || len(m.Data) != 28 || m.Meta[MetaSplit] != "testb" || !slices.Equal(m.Counts, []int{1, 2, 3, 4}) {
		t.Fatalf("matrix %+v", m)
	}
	m.Softmax()
	for i := range m.Images {
		var sum float64
		for k, v := range m.Row(i) {
			sum += float64(v)
			if want := softmaxAt(rows[i].Logits, k); math.Abs(float64(v-want)) > 1e-6 {
				t.Fatalf("softmax row %d class %d: %g, want %g", i, k, v, want)
			}
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Fatalf("row %d sums to %g", i, sum)
		}
	}
	m.Log()
	zero := &Matrix{Images: []string{"x"}, Classes: 2, Data: []float32{0, 1}}
	zero.Log() // an underflowed probability is floored, not -Inf
	if zero.Data[0] != MinLogProb || zero.Data[1] != 0 {
		t.Errorf("log [0 1] = %v", zero.Data)
	}
	// Writing log-probabilities keeps predictions; pred overrides them and
	// Score follows the chosen class.
	pred := make([]int32, 7)
	for i := range pred {
		pred[i] = rows[i].Pred
	}
	pred[3] = (pred[3] + 1) % 4
	out := filepath.Join(dir, "out.parquet")
	if err := m.Write(out, pred); err != nil {
		t.Fatal(err)
	}
	back, counts, err := Read(out)
	if err != nil || len(counts) != 4 {
		t.Fatal(err)
	}
	for i, r := range back {
		want := softmaxAt(rows[i].Logits, int(pred[i]))
		if r.Image != rows[i].Image || r.Pred != pred[i] || math.Abs(float64(r.Score-want)) > 1e-5 {
			t.Errorf("row %d: %s %d %g, want %s %d %g", i, r.Image, r.Pred, r.Score, rows[i].Image, pred[i], want)
		}
	}
	if err := m.Write(out, pred[:3]); err == nil {
		t.Error("short pred: no error")
	}
	pred[0] = 9
	if err := m.Write(out, pred); err == nil {
		t.Error("class out of range: no error")
	}
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, rows []Row, counts []int, meta map[string]string) string {
		p := filepath.Join(dir, name)
		if err := Write(p, rows, counts, meta); err != nil {
			t.Fatal(err)
		}
		return p
	}
	all := rowsOf(0, 10, 3)
	counts := []int{5, 4, 3}
	a := write("a", all[:4], counts, map[string]string{MetaSplit: "testa"})
	b := write("b", all[4:], counts, map[string]string{MetaSplit: "testa"})
	out := filepath.Join(dir, "out")
	if err := Merge(out, []string{b, a}); err != nil {
		t.Fatal(err)
	}
	got, c, err := Read(out)
	if err != nil || !reflect.DeepEqual(got, all) || !slices.Equal(c, counts) {
		t.Fatalf("merged %v %v %v", got, c, err)
	}
	for _, tc := range []struct {
		name  string
		parts []string
		want  string
	}{
		{"overlap", []string{a, write("c", all[3:5], counts, map[string]string{MetaSplit: "testa"})}, "is in both"},
		{"classes", []string{a, write("d", rowsOf(20, 2, 4), counts, map[string]string{MetaSplit: "testa"})}, "classes"},
		{"counts", []string{a, write("e", rowsOf(20, 2, 3), []int{1, 1, 1}, map[string]string{MetaSplit: "testa"})}, "class counts"},
		{"meta", []string{a, write("f", rowsOf(20, 2, 3), counts, map[string]string{MetaSplit: "testb"})}, "metadata"},
		{"shards", []string{
			write("g", all[:4], counts, map[string]string{MetaSplit: "testa", MetaShard: "1/2"}),
			write("h", all[4:], counts, map[string]string{MetaSplit: "testa", MetaShard: "1/2"}),
		}, "both shard 1/2"},
		{"bad shard", []string{write("i", all[:4], counts, map[string]string{MetaShard: "3/2"})}, "shard"},
		{"none", nil, "no parts"},
	} {
		if err := Merge(out, tc.parts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		k, n int
		ok   bool
	}{{"1/4", 1, 4, true}, {"4/4", 4, 4, true}, {"0/4", 0, 0, false}, {"5/4", 0, 0, false}, {"1", 0, 0, false}, {"a/b", 0, 0, false}} {
		k, n, err := ParseShard(tc.in)
		if k != tc.k || n != tc.n || (err == nil) != tc.ok {
			t.Errorf("ParseShard(%q) = %d, %d, %v", tc.in, k, n, err)
		}
	}
	// Blocks cover every image once.
	for _, n := range []int{0, 1, 2, 7, 100} {
		next := 0
		for k := 1; k <= 3; k++ {
			lo, hi, err := shardRange(n, k, 3)
			if err != nil || lo != next || hi < lo {
				t.Fatalf("n %d shard %d: [%d, %d) %v", n, k, lo, hi, err)
			}
			next = hi
		}
		if next != n {
			t.Errorf("n %d: shards end at %d", n, next)
		}
	}
}
