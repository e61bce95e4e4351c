package loader

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/internal/quickset"
)

// demoItems returns the shared quick set's cleaned list (every item decodes).
func demoItems(tb testing.TB) (string, []Item) {
	tb.Helper()
	root, _ := quickset.Dirs(tb)
	anns, _, err := dataset.ReadAnnotations(filepath.Join(root, dataset.CleanList), 10)
	if err != nil {
		tb.Fatal(err)
	}
	items := make([]Item, len(anns))
	for i, a := range anns {
		items[i] = Item{a.Path, a.Label}
	}
	return root, items
}

func demoPipeline(tb testing.TB) *augment.Pipeline {
	cfg := augment.DefaultTrain(28).WithGray(0.3, 0.35)
	cfg.RandAug.N = 0
	p, err := augment.Train(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestStreamOrderAndDeterminism(t *testing.T) {
	root, items := demoItems(t)
	order := make([]int, 100)
	for i := range order {
		order[i] = len(items) - 1 - i
	}
	load := func(workers, start int) []Batch {
		l := &Loader{Root: root, Items: items, Pipeline: demoPipeline(t), Size: 32, Workers: workers, Seed: 9}
		var out []Batch
		for b := range l.Stream(2, order, start, nil) {
			if b.Err != nil {
				t.Fatal(b.Err)
			}
			out = append(out, b)
		}
		return out
	}
	one, many := load(1, 0), load(3, 0)
	if len(one) != 4 || !reflect.DeepEqual(one, many) {
		t.Fatalf("%d batches; one worker and three differ", len(one))
	}
	last := one[3]
	if last.Valid != 4 || last.Items[3] != order[99] || last.Items[4] != -1 {
		t.Errorf("last batch: valid %d items %v", last.Valid, last.Items[:6])
	}
	if resumed := load(2, 2); !reflect.DeepEqual(resumed, one[2:]) {
		t.Error("starting at batch 2 does not give the same batches")
	}
}

func TestMissingFileIsNamed(t *testing.T) {
	root, items := demoItems(t)
	items = append(items[:3:3], Item{"train/0000/gone.png", 0})
	l := &Loader{Root: root, Items: items, Pipeline: demoPipeline(t), Size: 4, Seed: 1}
	for b := range l.Stream(0, []int{0, 1, 2, 3}, 0, nil) {
		if b.Err == nil {
			t.Fatal("missing file: no error")
		}
		if want := "train/0000/gone.png"; !strings.Contains(b.Err.Error(), want) {
			t.Errorf("error %q does not name %s", b.Err, want)
		}
	}
}

// BenchmarkLoader measures decode + augment throughput into batches of 128
// (compare with the training img/s of `fgia train`).
func BenchmarkLoader(b *testing.B) {
	root, items := demoItems(b)
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	for _, workers := range []int{1, 0} {
		name := "workers=1"
		if workers == 0 {
			name = "workers=all"
		}
		b.Run(name, func(b *testing.B) {
			l := &Loader{Root: root, Items: items, Pipeline: demoPipeline(b), Size: 128, Workers: workers, Seed: 1}
			n := 0
			for i := 0; i < b.N; i++ {
				for batch := range l.Stream(i, order, 0, nil) {
					n += batch.Valid
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "img/s")
		})
	}
}
