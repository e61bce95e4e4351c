package predict

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/internal/quickset"
	"github.com/fgia/fgia/fgia/internal/tinyrun"
)

func TestFlipRows(t *testing.T) {
	// One 2x3 image with 2 channels.
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	want := []float32{5, 6, 3, 4, 1, 2, 11, 12, 9, 10, 7, 8}
	got := flipRows(src, 1, 2, 3, 2)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("flipRows = %v, want %v", got, want)
		}
	}
}

// TestPredict trains a tiny run for a few steps and predicts Test-A with and
// without flip TTA and EMA weights.
func TestPredict(t *testing.T) {
	data, _ := quickset.Dirs(t)
	dir := t.TempDir()
	cfg := tinyrun.Config(4, 1)
	cfg.Optim.EMA = 0.9
	run, b := tinyrun.Train(t, cfg, data, dir)
	names, _ := dataset.Layout{Root: data}.TestImages("testa")
	for _, tc := range []struct {
		tta string
		ema bool
	}{{"", false}, {"flip", false}, {"flip", true}} {
		out := filepath.Join(dir, "pred-"+tc.tta+".parquet")
		n, err := Run(Options{Run: run, Data: data, Split: "testa", TTA: tc.tta, EMA: tc.ema, Out: out, Batch: 64, Backend: b, Quiet: true})
		if err != nil {
			t.Fatal(err)
		}
		rows, counts, err := Read(out)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(names) || len(rows) != len(names) || len(counts) != 10 {
			t.Fatalf("tta %q: %d rows (%d read), %d images, %d class counts", tc.tta, n, len(rows), len(names), len(counts))
		}
		for i, r := range rows {
			best, score := ArgmaxSoftmax(r.Logits)
			if r.Image != names[i] || len(r.Logits) != 10 || int(r.Pred) != best || r.Score != score || score <= 0 || score > 1 || math.IsNaN(float64(score)) {
				t.Fatalf("tta %q row %d: %+v", tc.tta, i, r)
			}
		}
	}
	// Three shards merged give the unsharded file back, row for row.
	var parts []string
	for k := 1; k <= 3; k++ {
		out := filepath.Join(dir, fmt.Sprintf("shard-%d.parquet", k))
		n, err := Run(Options{Run: run, Data: data, Split: "testa", Out: out, Batch: 64, Backend: b, Quiet: true, Shard: k, Shards: 3})
		if err != nil {
			t.Fatal(err)
		}
		if lo, hi := (k-1)*len(names)/3, k*len(names)/3; n != hi-lo {
			t.Fatalf("shard %d/3: %d rows, want %d", k, n, hi-lo)
		}
		parts = append(parts, out)
	}
	merged := filepath.Join(dir, "merged.parquet")
	if err := Merge(merged, []string{parts[2], parts[0], parts[1]}); err != nil {
		t.Fatal(err)
	}
	whole, wholeCounts, _ := Read(filepath.Join(dir, "pred-.parquet"))
	got, gotCounts, err := Read(merged)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(whole) || !slices.Equal(gotCounts, wholeCounts) {
		t.Fatalf("merged %d rows, counts %v; unsharded %d rows, counts %v", len(got), gotCounts, len(whole), wholeCounts)
	}
	for i := range whole {
		w, g := whole[i], got[i]
		if g.Image != w.Image || g.Pred != w.Pred || math.Abs(float64(g.Score-w.Score)) > 1e-5 {
			t.Fatalf("row %d: merged %s %d %g, unsharded %s %d %g", i, g.Image, g.Pred, g.Score, w.Image, w.Pred, w.Score)
		}
		for k := range w.Logits {
			if math.Abs(float64(g.Logits[k]-w.Logits[k])) > 1e-4 {
				t.Fatalf("row %d logit %d: merged %g, unsharded %g", i, k, g.Logits[k], w.Logits[k])
			}
		}
	}
	info, _ := Stat(merged)
	if _, ok := info.Meta[MetaShard]; ok || info.Meta[MetaRun] != run || info.Meta[MetaSplit] != "testa" {
		t.Errorf("merged metadata %v", info.Meta)
	}
	if err := Merge(merged, parts[:2]); err == nil || !strings.Contains(err.Error(), "2 of 3 shards") {
		t.Errorf("incomplete shards: %v", err)
	}
	if _, err := Run(Options{Run: run, Data: data, Split: "testa", Out: filepath.Join(dir, "x.parquet"), Backend: b, Shard: 4, Shards: 3}); err == nil {
		t.Error("shard 4/3: no error")
	}
	if _, err := Run(Options{Run: run, Data: data, Split: "testa", TTA: "rotate", Out: filepath.Join(dir, "x.parquet"), Backend: b}); err == nil {
		t.Error("unknown TTA: no error")
	}
}
