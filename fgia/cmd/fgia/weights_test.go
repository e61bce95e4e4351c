package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/internal/quickset"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/progress"
	"github.com/fgia/fgia/fgia/train"
)

// fixture is a timm model folder written by scripts/timm_fixtures.py.
func fixture(name string) string {
	return filepath.Join("..", "..", "pretrained", "testdata", "timm", name)
}

func TestWeightCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "--weights", fixture("vit_cls")}, 2, "--out is required"},
		{[]string{"import", "--out", "x"}, 1, "one of --weights or --hub"},
		{[]string{"import", "--out", "x", "--weights", "w", "--hub", "timm/x"}, 1, "one of --weights or --hub"},
		{[]string{"import", "--out", "x", "--hub", "not-a-repo"}, 1, "is not a model id"},
		{[]string{"export", "--out", "x"}, 2, "--run is required"},
		{[]string{"models", "--family", "resnet"}, 1, "no model matches"},
	} {
		var stderr bytes.Buffer
		code := run(tc.args, io.Discard, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("fgia %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}

// TestImportPredictFineTuneExport: an imported timm model is an ordinary
// run: it predicts a split, starts a fine-tuning run with --init (its own
// backbone, since demo-vit's is another), and the result exports back.
func TestImportPredictFineTuneExport(t *testing.T) {
	data, _ := quickset.Dirs(t)
	progress.Output = &bytes.Buffer{}
	dir := t.TempDir()
	imported, ft, exp := filepath.Join(dir, "imported"), filepath.Join(dir, "ft"), filepath.Join(dir, "export")
	pred := filepath.Join(dir, "testb.parquet")
	for _, args := range [][]string{
		{"import", "--weights", fixture("vit_gray28"), "--out", imported},
		{"predict", "--run", imported, "--data", data, "--split", "testb", "--out", pred},
		{"train", "--data", data, "--preset", "demo-vit", "--init", imported, "--max-steps", "2", "--batch", "32", "--out", ft},
		{"export", "--run", ft, "--out", exp, "--check", "1"},
	} {
		var stderr bytes.Buffer
		if code := run(args, io.Discard, &stderr); code != 0 {
			t.Fatalf("fgia %v: exit %d, stderr %s", args, code, stderr.String())
		}
	}
	rows, _, err := predict.Read(pred)
	if err != nil || len(rows) == 0 || len(rows[0].Logits) != 10 {
		t.Fatalf("predictions: %d rows, %v", len(rows), err)
	}
	ri, err := train.ReadRunInfo(ft)
	if err != nil {
		t.Fatal(err)
	}
	if v := ri.Config.Model.ViT; v == nil || v.Dim != 8 || v.ImageSize != 28 || ri.Init != imported {
		t.Errorf("fine-tuned model %+v, init %q", v, ri.Init)
	}
	for _, f := range []string{"config.json", "model.safetensors", "fgia_check.safetensors"} {
		if _, err := os.Stat(filepath.Join(exp, f)); err != nil {
			t.Error(err)
		}
	}
}
