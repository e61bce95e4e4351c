package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/train"
)

// postSet writes a small Test-A (40 images, 4 classes, uniform), its labels,
// a base list and two models' prediction files, and returns the folder.
func postSet(t *testing.T) (dir, data string, labels string, preds []string) {
	t.Helper()
	dir = t.TempDir()
	data = filepath.Join(dir, "data")
	os.MkdirAll(filepath.Join(data, "testa"), 0o755)
	os.MkdirAll(filepath.Join(data, "train", "0"), 0o755)
	os.MkdirAll(filepath.Join(data, "meta"), 0o755)
	os.WriteFile(filepath.Join(data, "train", "0", "t.png"), nil, 0o644)
	os.WriteFile(filepath.Join(data, filepath.FromSlash(dataset.CleanList)), []byte("train/0/t.png 0\n"), 0o644)
	os.WriteFile(filepath.Join(data, filepath.FromSlash(dataset.TrainList)), []byte("train/0/t.png 0\n"), 0o644)
	os.WriteFile(filepath.Join(data, filepath.FromSlash(dataset.ClassNamesFile)), []byte("a\nb\nc\nd\n"), 0o644)
	var lab strings.Builder
	rng := rand.New(rand.NewPCG(1, 2))
	rows := [2][]predict.Row{}
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("img%02d.png", i)
		os.WriteFile(filepath.Join(data, "testa", name), nil, 0o644)
		y := i % 4
		fmt.Fprintf(&lab, "%s %d\n", name, y)
		for m := range rows {
			z := make([]float32, 4)
			for c := range z {
				z[c] = float32(rng.NormFloat64() - 0.8*float64(c)) // the model favours class 0
			}
			z[y] += 2
			p, s := predict.ArgmaxSoftmax(z)
			rows[m] = append(rows[m], predict.Row{Image: name, Pred: int32(p), Score: s, Logits: z})
		}
	}
	labels = filepath.Join(dir, "testa.txt")
	os.WriteFile(labels, []byte(lab.String()), 0o644)
	for m := range rows {
		p := filepath.Join(dir, fmt.Sprintf("m%d.parquet", m))
		if err := predict.Write(p, rows[m], []int{40, 20, 10, 5}, map[string]string{predict.MetaSplit: "testa"}); err != nil {
			t.Fatal(err)
		}
		preds = append(preds, p)
	}
	return dir, data, labels, preds
}

// TestPostTraining runs every post-training command as a user would.
func TestPostTraining(t *testing.T) {
	dir, data, labels, preds := postSet(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	// Shards of m0 for merge.
	all, counts, _ := predict.Read(preds[0])
	for k := 1; k <= 2; k++ {
		lo, hi := (k-1)*len(all)/2, k*len(all)/2
		predict.Write(f(fmt.Sprintf("shard-%d.parquet", k)), all[lo:hi], counts, map[string]string{predict.MetaSplit: "testa", predict.MetaShard: fmt.Sprintf("%d/2", k)})
	}
	// A run with three checkpoints for soup.
	runDir := f("run")
	os.MkdirAll(runDir, 0o755)
	os.WriteFile(filepath.Join(runDir, train.ConfigFile), []byte(`{"config":{},"class_counts":[40,20,10,5]}`), 0o644)
	for s := int64(1); s <= 3; s++ {
		ctx := context.New().Checked(false)
		ctx.InAbsPath("/head").VariableWithValue("w", []float32{float32(s)})
		if _, err := checkpoint.Save(ctx, filepath.Join(runDir, train.CheckpointsDir), s, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"merge", "--parts", f("shard-*.parquet"), "--out", f("merged.parquet")},
		{"soup", "--run", runDir, "--last", "3", "--out", f("soup")},
		{"ensemble", "--pred", preds[0] + "," + preds[1], "--acc", "0.6,0.7", "--out", f("ens.parquet")},
		{"ensemble", "--pred", preds[0] + "," + preds[1], "--labels", labels, "--power", "25", "--out", f("ens-scored.parquet")},
		{"adjust", "--pred", f("ens.parquet"), "--counts-from", runDir, "--out", f("adj.parquet")},
		{"redistribute", "--pred", f("ens.parquet"), "--method", "onepass", "--k", "9", "--labels", labels, "--out", f("red.parquet")},
		{"redistribute", "--pred", f("adj.parquet"), "--method", "champion", "--labels", labels, "--sweep-frac", "0.8:1:0.1"},
		{"redistribute", "--pred", f("adj.parquet"), "--method", "sinkhorn", "--out", f("sink.parquet")},
		{"pseudo", "--pred", f("ens.parquet"), "--data", data, "--threshold", "0.5", "--labels-dir", dir, "--out", f("round1.txt")},
		{"submit", "--pred", f("red.parquet"), "--data", data, "--split", "testa", "--out", f("submission_testa.csv")},
	} {
		var stderr bytes.Buffer
		if code := run(args, io.Discard, &stderr); code != 0 {
			t.Fatalf("fgia %v: exit %d: %s", args, code, stderr.String())
		}
	}
	if rows, _, err := predict.Read(f("merged.parquet")); err != nil || len(rows) != 40 {
		t.Errorf("merged: %d rows, %v", len(rows), err)
	}
	if _, err := train.ReadRunInfo(f("soup")); err != nil {
		t.Error(err)
	}
	red, _, _ := predict.Read(f("red.parquet"))
	n := map[int32]int{}
	for _, r := range red {
		n[r.Pred]++
	}
	for c := int32(0); c < 4; c++ {
		if n[c] < 9 {
			t.Errorf("after --k 9 class %d has %d images", c, n[c])
		}
	}
	csv, _ := os.ReadFile(f("submission_testa.csv"))
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 41 || lines[0] != "image,label" || !strings.HasPrefix(lines[1], "img00.png,") {
		t.Errorf("submission has %d lines, starting %q", len(lines), lines[:2])
	}
	anns, bad, err := dataset.ReadAnnotations(f("round1.txt"), 4)
	if err != nil || len(bad) > 0 || len(anns) < 2 || anns[0].Path != "train/0/t.png" || !strings.HasPrefix(anns[1].Path, "testa/img") {
		t.Errorf("pseudo list: %v %v %v", anns, bad, err)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ensemble", "--pred", preds[0], "--acc", "0.5,0.6", "--out", f("x")}, 1, "2 values for 1 files"},
		{[]string{"ensemble", "--pred", preds[0], "--acc", "0.5", "--labels", labels, "--out", f("x")}, 1, "not both"},
		{[]string{"redistribute", "--pred", preds[0], "--method", "magic", "--out", f("x")}, 1, "want champion, exclusive, sinkhorn"},
		{[]string{"redistribute", "--pred", preds[0], "--sweep-frac", "0.8:1:0.1"}, 1, "--sweep-frac needs --labels"},
		{[]string{"redistribute", "--pred", preds[0], "--k", "-5", "--out", f("x")}, 1, "--k -5: want >= 0"},
		{[]string{"redistribute", "--pred", preds[0], "--method", "sinkhorn", "--iters", "-1", "--out", f("x")}, 1, "--iters -1: want >= 1"},
		{[]string{"redistribute", "--pred", preds[0], "--method", "sinkhorn", "--power", "0", "--out", f("x")}, 1, "--power 0: want > 0"},
		{[]string{"redistribute", "--pred", preds[0], "--method", "sinkhorn", "--tol", "-1", "--out", f("x")}, 1, "--tol -1: want > 0"},
		{[]string{"merge", "--parts", f("nothing-*.parquet"), "--out", f("x")}, 1, "matches no file"},
		{[]string{"merge", "--parts", f("shard-1.parquet"), "--out", f("x")}, 1, "1 of 2 shards"},
		{[]string{"predict", "--run", runDir, "--data", data, "--split", "testa", "--out", f("x"), "--shard", "3/2"}, 1, "shard"},
		{[]string{"predict", "--run", runDir, "--data", data, "--out", f("x")}, 1, "give --data DIR with --split"},
		{[]string{"submit", "--pred", preds[0]}, 2, "--data is required"},
		{[]string{"submit", "--pred", preds[0], "--data", data, "--split", "testa", "--label-format", "%s", "--out", f("x")}, 1, "want one integer verb"},
		{[]string{"pseudo", "--pred", preds[0], "--data", data, "--split", "testb", "--out", f("x")}, 1, "predicts split testa"},
	} {
		var stderr bytes.Buffer
		code := run(tc.args, io.Discard, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("fgia %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}
