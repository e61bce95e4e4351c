package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/fashionmnist"
	"github.com/fgia/fgia/fgia/progress"
)

func TestCommandLineErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: fgia"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"trian"}, 2, `unknown command "trian" (did you mean train?)`},
		{[]string{"help", "trian"}, 2, `(did you mean train?)`},
		{[]string{"clean"}, 2, "--data is required"},
		{[]string{"clean", "--data", "/nonexistent/fgia"}, 1, "data folder /nonexistent/fgia is missing"},
		{[]string{"clean", "--bogus"}, 2, "unknown flag --bogus; `fgia clean -h` lists the flags"},
		{[]string{"train", "--epohcs", "3"}, 2, "unknown flag --epohcs (did you mean --epochs?)"},
		{[]string{"train", "--out"}, 2, "flag needs a value: --out"},
		{[]string{"stats", "--data", "x"}, 2, "--out is required"},
		{[]string{"demo-data", "--out", "x"}, 2, "--labels-dir is required"},
		{[]string{"clean", "--data", "x", "extra"}, 2, "unexpected arguments"},
		{[]string{"clean", "--data", "x", "--min-side", "0"}, 1, "min side 0: want >= 1"},
	} {
		var stderr bytes.Buffer
		code := run(tc.args, io.Discard, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("fgia %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}

// demoSet builds and cleans a quick demo set through the CLI.
func demoSet(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(fashionmnist.DefaultDir); err != nil {
		t.Skip("dataset-fashion-mnist is not installed (make test installs it)")
	}
	progress.Output = &bytes.Buffer{}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	for _, args := range [][]string{
		{"demo-data", "--out", data, "--labels-dir", filepath.Join(dir, "labels"), "--max-per-class", "300", "--test-per-class", "10"},
		{"clean", "--data", data},
	} {
		var stderr bytes.Buffer
		if code := run(args, io.Discard, &stderr); code != 0 {
			t.Fatalf("fgia %v: exit %d: %s", args, code, stderr.String())
		}
	}
	return data
}

// TestDataStage runs the data stage as `make reproduce` does, on a small set.
func TestDataStage(t *testing.T) {
	if _, err := os.Stat(fashionmnist.DefaultDir); err != nil {
		t.Skip("dataset-fashion-mnist is not installed (make test installs it)")
	}
	progress.Output = &bytes.Buffer{}
	dir := t.TempDir()
	data, labels, out := filepath.Join(dir, "data"), filepath.Join(dir, "labels"), filepath.Join(dir, "report")
	for _, args := range [][]string{
		{"demo-data", "--out", data, "--labels-dir", labels, "--max-per-class", "200", "--test-per-class", "10"},
		{"demo-data", "--out", data, "--labels-dir", labels, "--max-per-class", "200", "--test-per-class", "10", "--reuse"},
		{"clean", "--data", data},
		{"stats", "--data", data, "--labels-dir", labels, "--out", out},
	} {
		var stderr bytes.Buffer
		if code := run(args, io.Discard, &stderr); code != 0 {
			t.Fatalf("fgia %v: exit %d: %s", args, code, stderr.String())
		}
	}
	for _, f := range []string{"data_report.md", "class_frequency.png", "class_frequency.svg", "class_counts.parquet"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "data_report.md"))
	for _, want := range []string{"| duplicate_conflicting_label |", "| tiny | ", "head share"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("data_report.md lacks %q", want)
		}
	}
}

// TestHelp: every command's help goes to stdout with a synopsis, flags and
// an example or a description, and `-h` gives the same.
func TestHelp(t *testing.T) {
	for _, c := range commands {
		if c.name == "panic-for-test" {
			continue
		}
		var out, errs bytes.Buffer
		if code := run([]string{"help", c.name}, &out, &errs); code != 0 || errs.Len() > 0 {
			t.Errorf("fgia help %s: exit %d, stderr %q", c.name, code, errs.String())
		}
		text := out.String()
		if !strings.Contains(text, "usage: fgia "+c.name) || (len(c.examples) == 0 && c.doc == "" && c.name != "version") {
			t.Errorf("fgia help %s:\n%s", c.name, text)
		}
		if strings.Contains(text, "`") && strings.Contains(text, "Usage of") {
			t.Errorf("fgia help %s shows Go's raw usage", c.name)
		}
		var dash bytes.Buffer
		if code := run([]string{c.name, "-h"}, &dash, io.Discard); code != 0 || dash.String() != text {
			t.Errorf("fgia %s -h differs from fgia help %s", c.name, c.name)
		}
	}
	var out bytes.Buffer
	if code := run([]string{"version"}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "GoMLX v0.26.0") {
		t.Errorf("fgia version: %q", out.String())
	}
}
