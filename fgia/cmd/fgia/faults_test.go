package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/internal/tinyrun"
	"github.com/fgia/fgia/fgia/manifest"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/progress"
	"github.com/fgia/fgia/fgia/runlock"
	"github.com/fgia/fgia/fgia/table"
	"github.com/fgia/fgia/fgia/train"
)

// The fault-injection suite: each case feeds a command a bad input, a
// concurrent user, a damaged file or a malformed table, and checks that it
// gets a clear error or a recorded, visible outcome, and never a hang, a
// panic or a quietly different result.

// tinySet writes a small data set in the competition layout: 3 classes of
// 8 gray 28x28 PNGs told apart by brightness, 3 test images a class in each
// split, and their labels; it returns the data and labels folders.
func tinySet(t *testing.T) (data, labels string) {
	t.Helper()
	return tinySetIn(t, t.TempDir())
}

// tinySetIn is tinySet in the folder dir.
func tinySetIn(t *testing.T, dir string) (data, labels string) {
	t.Helper()
	data, labels = filepath.Join(dir, "data"), filepath.Join(dir, "labels")
	img := func(class, i int) []byte {
		m := image.NewGray(image.Rect(0, 0, 28, 28))
		for p := range m.Pix {
			m.Pix[p] = uint8(40 + 80*class + (p*7+i*13)%30)
		}
		var b bytes.Buffer
		png.Encode(&b, m)
		return b.Bytes()
	}
	write := func(rel string, b []byte) {
		p := filepath.Join(data, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var list strings.Builder
	for c := 0; c < 3; c++ {
		for i := 0; i < 8; i++ {
			rel := fmt.Sprintf("train/%04d/%d-%d.png", c, c, i)
			write(rel, img(c, i))
			fmt.Fprintf(&list, "%s %d\n", rel, c)
		}
	}
	write("meta/train.txt", []byte(list.String()))
	for _, split := range []string{"testa", "testb"} {
		var l strings.Builder
		for c := 0; c < 3; c++ {
			for i := 0; i < 3; i++ {
				name := fmt.Sprintf("%s-%d-%d.png", split, c, i)
				write(split+"/"+name, img(c, 100+i))
				fmt.Fprintf(&l, "%s %d\n", name, c)
			}
		}
		os.MkdirAll(labels, 0o755)
		os.WriteFile(filepath.Join(labels, split+".txt"), []byte(l.String()), 0o644)
	}
	return data, labels
}

// fgia runs a command line in-process and returns its exit code, stdout and
// stderr; it fails the test on a hang.
func fgia(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	progress.Output = io.Discard
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(args, &stdout, &stderr) }()
	select {
	case code := <-done:
		if strings.Contains(stderr.String(), "internal error") {
			t.Errorf("fgia %v panicked: %s", args, stderr.String())
		}
		return code, stdout.String(), stderr.String()
	case <-time.After(3 * time.Minute):
		t.Fatalf("fgia %v hangs", args)
		return 0, "", ""
	}
}

func manifestRows(t *testing.T, data string) map[string]manifest.Row {
	t.Helper()
	rows, err := manifest.Read(filepath.Join(data, "meta", "manifest.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]manifest.Row{}
	for _, r := range rows {
		key := r.Path
		if r.Line > 0 {
			key = fmt.Sprintf("%s@%d", r.Path, r.Line)
		}
		out[key] = r
	}
	return out
}

// TestCleanFaults: bad annotation lists and odd entries under train/ are
// named, counted in the manifest, and never turned into classes or hangs.
func TestCleanFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, data string)
		code   int
		want   string                                                     // in stderr when code != 0
		check  func(t *testing.T, data string, m map[string]manifest.Row) // after a clean that succeeded
	}{
		{name: "stray folders are not classes", mutate: func(t *testing.T, data string) {
			os.MkdirAll(filepath.Join(data, "train", "stray.jpg"), 0o755)
			os.MkdirAll(filepath.Join(data, "train", ".ipynb_checkpoints"), 0o755)
			os.MkdirAll(filepath.Join(data, "train", "__MACOSX", "0000"), 0o755)
		}, check: func(t *testing.T, data string, m map[string]manifest.Row) {
			for _, p := range []string{"train/stray.jpg/", "train/.ipynb_checkpoints/", "train/__MACOSX/", "train/__MACOSX/0000/"} {
				if m[p].Reason != "not_a_class" {
					t.Errorf("%s: %+v, want reason not_a_class", p, m[p])
				}
			}
			if code, _, stderr := fgia(t, "train", "--data", data, "--classes", "4", "--out", filepath.Join(t.TempDir(), "r")); code == 0 || !strings.Contains(stderr, "have 3 classes") {
				t.Errorf("--classes 4 against 3 annotated classes: exit %d %s", code, stderr)
			}
		}},
		{name: "a listed FIFO is refused, not opened", mutate: func(t *testing.T, data string) {
			if err := syscall.Mkfifo(filepath.Join(data, "train", "0000", "fifo.png"), 0o644); err != nil {
				t.Skip("no FIFOs here:", err)
			}
			appendLine(t, data, "train/0000/fifo.png 0")
		}, check: func(t *testing.T, data string, m map[string]manifest.Row) {
			if r := m["train/0000/fifo.png@25"]; r.Reason != "not_regular" || r.Status != manifest.Dropped {
				t.Errorf("listed FIFO: %+v", r)
			}
		}},
		{name: "unlisted links and FIFOs are accounted for", mutate: func(t *testing.T, data string) {
			d := filepath.Join(data, "train", "0001")
			syscall.Mkfifo(filepath.Join(d, "pipe"), 0o644)
			os.Symlink("1-0.png", filepath.Join(d, "link.png"))
			os.Symlink("nowhere.png", filepath.Join(d, "dangling.png"))
		}, check: func(t *testing.T, data string, m map[string]manifest.Row) {
			for p, want := range map[string]string{"train/0001/pipe": "not_regular", "train/0001/link.png": "unlisted", "train/0001/dangling.png": "not_regular"} {
				if m[p].Reason != want {
					t.Errorf("%s: reason %q, want %q", p, m[p].Reason, want)
				}
			}
		}},
		{name: "a path listed with two labels loses both lines", mutate: func(t *testing.T, data string) {
			appendLine(t, data, "train/0000/0-0.png 2")
		}, check: func(t *testing.T, data string, m map[string]manifest.Row) {
			for _, k := range []string{"train/0000/0-0.png@1", "train/0000/0-0.png@25"} {
				if m[k].Reason != "conflicting_line" {
					t.Errorf("%s: %+v, want conflicting_line", k, m[k])
				}
			}
		}},
		{name: "a byte-order mark is not part of the first path", mutate: func(t *testing.T, data string) {
			p := filepath.Join(data, "meta", "train.txt")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, append([]byte("\xef\xbb\xbf"), b...), 0o644)
		}, check: func(t *testing.T, data string, m map[string]manifest.Row) {
			if r := m["train/0000/0-0.png@1"]; r.Status != manifest.Kept {
				t.Errorf("first line after a BOM: %+v", r)
			}
		}},
		{name: "an empty list is an error", mutate: func(t *testing.T, data string) {
			os.WriteFile(filepath.Join(data, "meta", "train.txt"), nil, 0o644)
		}, code: 1, want: "has no usable annotation lines"},
		{name: "a UTF-16 list is an error", mutate: func(t *testing.T, data string) {
			os.WriteFile(filepath.Join(data, "meta", "train.txt"), []byte("\xff\xfet\x00r\x00"), 0o644)
		}, code: 1, want: "UTF-16"},
		{name: "a list of unreadable files keeps nothing: an error", mutate: func(t *testing.T, data string) {
			os.WriteFile(filepath.Join(data, "meta", "train.txt"), []byte("train/nothing.png 0\ntrain/none.png 1\n"), 0o644)
		}, code: 1, want: "nothing of"},
		{name: "non-UTF-8 file names stay readable and exact", mutate: func(t *testing.T, data string) {
			name := "train/0002/caf\xe9.png"
			m := image.NewGray(image.Rect(0, 0, 28, 28))
			for p := range m.Pix {
				m.Pix[p] = uint8(200 + p%50)
			}
			var b bytes.Buffer
			png.Encode(&b, m)
			os.WriteFile(filepath.Join(data, filepath.FromSlash(name)), b.Bytes(), 0o644)
			appendLine(t, data, name+" 2")
		}, check: func(t *testing.T, data string, m map[string]manifest.Row) {
			raw, err := manifest.Read(filepath.Join(data, "meta", "manifest.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range raw {
				if r.Path == "train/0002/caf\xe9.png" {
					found = r.Status == manifest.Kept
				}
			}
			if !found {
				t.Error("the non-UTF-8 path did not read back exactly, or was not kept")
			}
			// What other tools read is valid UTF-8 with the byte escaped.
			stored, _ := manifestStrings(filepath.Join(data, "meta", "manifest.parquet"))
			for _, s := range stored {
				if !utf8.ValidString(s) {
					t.Errorf("invalid UTF-8 stored: %q", s)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, _ := tinySet(t)
			tc.mutate(t, data)
			code, _, stderr := fgia(t, "clean", "--data", data)
			if code != tc.code || (tc.code != 0 && !strings.Contains(stderr, tc.want)) {
				t.Fatalf("clean: exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
			if tc.check != nil {
				tc.check(t, data, manifestRows(t, data))
			}
		})
	}
}

func appendLine(t *testing.T, data, line string) {
	p := filepath.Join(data, "meta", "train.txt")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, append(b, []byte(line+"\n")...), 0o644)
}

// manifestStrings are the path strings as stored (before Read restores raw
// bytes).
func manifestStrings(path string) ([]string, error) {
	rows, err := tableRows(path)
	var out []string
	for _, r := range rows {
		out = append(out, r.Path)
	}
	return out, err
}

// tinyConfig writes the tiny recipe (fgia/internal/tinyrun) as a --config
// file for 3 classes.
func tinyConfig(t *testing.T, steps int) string {
	cfg := tinyrun.Config(steps, 3)
	cfg.Model.Head.Classes, cfg.BatchSize = 3, 8
	b, _ := json.Marshal(cfg)
	p := filepath.Join(t.TempDir(), "tiny.json")
	os.WriteFile(p, b, 0o644)
	return p
}

var (
	sharedOnce sync.Once
	sharedData string
	sharedRun  string
	sharedErr  string
)

// trainedRun returns a copy of a tiny run trained for 3 steps (3
// checkpoints kept) on a cleaned tinySet, trained once per test process.
func trainedRun(t *testing.T) (data, run string) {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fgia-faults")
		if err != nil {
			sharedErr = err.Error()
			return
		}
		d, _ := tinySetIn(t, dir)
		sharedData, sharedRun = d, filepath.Join(dir, "run")
		if code, _, stderr := fgia(t, "clean", "--data", d); code != 0 {
			sharedErr = stderr
			return
		}
		if code, _, stderr := fgia(t, "train", "--data", d, "--config", tinyConfig(t, 3), "--out", sharedRun); code != 0 {
			sharedErr = stderr
		}
	})
	if sharedErr != "" {
		t.Fatal(sharedErr)
	}
	run = filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(run, os.DirFS(sharedRun)); err != nil {
		t.Fatal(err)
	}
	return sharedData, run
}

// TestFlagFaults: every numeric flag is checked, naming the flag and what
// it takes; 0 is a value where it means something; a resumed run applies
// what may change and refuses the rest.
func TestFlagFaults(t *testing.T) {
	data, _ := tinySet(t)
	if code, _, stderr := fgia(t, "clean", "--data", data); code != 0 {
		t.Fatal(stderr)
	}
	cfg := tinyConfig(t, 2)
	out := func() string { return filepath.Join(t.TempDir(), "run") }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--lr", "-1"}, "--lr -1: want > 0 (optim.schedule.lr)"},
		{[]string{"--lr", "0"}, "--lr 0: want > 0"},
		{[]string{"--batch", "0"}, "--batch 0: want >= 1 (batch_size)"},
		{[]string{"--epochs", "-1"}, "--epochs -1: want > 0"},
		{[]string{"--accum", "-2"}, "--accum -2: want >= 0"},
		{[]string{"--keep", "0"}, "--keep 0: want >= 1"},
		{[]string{"--ema", "1.5"}, "--ema 1.5: want a decay in [0, 1)"},
		{[]string{"--clip", "-1"}, "--clip -1: want >= 0"},
		{[]string{"--sampler", "random"}, "--sampler random: want shuffle or balanced"},
		{[]string{"--set", "optim.shedule.lr=1"}, `unknown key "optim.shedule" (did you mean schedule?)`},
		{[]string{"--set", "batch_size=many"}, "want an integer"},
		{[]string{"--lr", "fast"}, "want a number"},
	} {
		args := append([]string{"train", "--data", data, "--config", cfg, "--out", out()}, tc.args...)
		code, _, stderr := fgia(t, args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("fgia %v: exit %d, %q; want %q", tc.args, code, stderr, tc.want)
		}
	}
	// 0 means "off" for clipping: accepted, and the run trains.
	if code, _, stderr := fgia(t, "train", "--data", data, "--config", cfg, "--clip", "0", "--max-steps", "1", "--out", out()); code != 0 {
		t.Fatalf("--clip 0: %s", stderr)
	}
	data, run := trainedRun(t)
	if code, _, stderr := fgia(t, "train", "--resume", "--out", run, "--lr", "1e-2"); code == 0 || !strings.Contains(stderr, "--lr 0.01: want the run's 0.001") {
		t.Errorf("--resume --lr: exit %d %q", code, stderr)
	}
	if code, stdout, stderr := fgia(t, "train", "--resume", "--out", run, "--epochs", "2", "--max-steps", "5"); code != 0 || !strings.Contains(stdout, "to step 5") {
		t.Errorf("--resume --epochs 2 --max-steps 5: exit %d %q %q", code, stdout, stderr)
	}
	if ri, err := train.ReadRunInfo(run); err != nil || ri.Config.Epochs != 2 || ri.TotalSteps != 5 {
		t.Errorf("config.json after the resume: %+v %v", ri, err)
	}
	if code, _, stderr := fgia(t, "train", "--resume", "--out", run, "--data", data); code == 0 || !strings.Contains(stderr, "do not apply") {
		t.Errorf("--resume --data: exit %d %q", code, stderr)
	}
}

// TestRunLocks: a run folder in use refuses a second writer, naming it.
func TestRunLocks(t *testing.T) {
	data, labels := tinySet(t)
	if code, _, stderr := fgia(t, "clean", "--data", data); code != 0 {
		t.Fatal(stderr)
	}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"train", "--data", data, "--config", tinyConfig(t, 2), "--out", dir},
		{"pretrain", "--data", data, "--out", dir},
		{"reproduce", "--data", data, "--labels-dir", labels, "--budget", "smoke", "--out", dir},
	} {
		l, err := runlock.Acquire(dir, "the first writer")
		if err != nil {
			t.Fatal(err)
		}
		code, _, stderr := fgia(t, args...)
		l.Release()
		if code != 1 || !strings.Contains(stderr, fmt.Sprintf("in use by PID %d (the first writer", os.Getpid())) {
			t.Errorf("fgia %s into a locked folder: exit %d %q", args[0], code, stderr)
		}
	}
}

// TestDamagedCheckpoints: a checkpoint whose bytes changed, or that is
// cut short, is refused by name; prediction and --resume fall back to the
// newest intact one and say which they skipped.
func TestDamagedCheckpoints(t *testing.T) {
	for _, damage := range []string{"overwritten", "truncated"} {
		t.Run(damage, func(t *testing.T) {
			data, run := trainedRun(t)
			all, _ := checkpoint.List(filepath.Join(run, train.CheckpointsDir))
			last := all[len(all)-1]
			b, _ := os.ReadFile(last)
			if damage == "truncated" {
				b = b[:len(b)/2]
			} else {
				for i := len(b) / 2; i < len(b)/2+64; i++ {
					b[i] ^= 0x5a
				}
			}
			os.WriteFile(last, b, 0o644)
			if _, err := checkpoint.Load(last); err == nil || !strings.Contains(err.Error(), filepath.Base(last)) {
				t.Errorf("loading the damaged checkpoint: %v", err)
			}
			pred := filepath.Join(t.TempDir(), "p.parquet")
			code, _, stderr := fgia(t, "predict", "--run", run, "--data", data, "--split", "testa", "--out", pred)
			if code != 0 || !strings.Contains(stderr, "skipping "+filepath.Base(last)) {
				t.Errorf("predict: exit %d %q", code, stderr)
			}
			if info, err := predict.Stat(pred); err != nil || info.Meta[predict.MetaCheckpoint] != filepath.Base(all[len(all)-2]) {
				t.Errorf("predicted with %v, want %s", info, filepath.Base(all[len(all)-2]))
			}
			code, stdout, stderr := fgia(t, "train", "--resume", "--out", run)
			if code != 0 || !strings.Contains(stderr, "skipping "+filepath.Base(last)) || !strings.Contains(stdout, "to step 3") {
				t.Errorf("resume: exit %d %q %q", code, stdout, stderr)
			}
		})
	}
}

// TestUnreadableTestImages: a broken test image and a stray README do not
// stop prediction; they are recorded and the submission stays complete.
func TestUnreadableTestImages(t *testing.T) {
	shared, run := trainedRun(t)
	data := filepath.Join(t.TempDir(), "data")
	if err := os.CopyFS(data, os.DirFS(shared)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(data, "testb", "broken.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	os.WriteFile(filepath.Join(data, "testb", "README.txt"), []byte("test images of the competition\n"), 0o644)
	syscall.Mkfifo(filepath.Join(data, "testb", "pipe.png"), 0o644) // never listed: not a regular file
	pred := filepath.Join(t.TempDir(), "p.parquet")
	code, _, stderr := fgia(t, "predict", "--run", run, "--data", data, "--split", "testb", "--out", pred)
	if code != 0 || !strings.Contains(stderr, "2 of 11 images could not be read") {
		t.Fatalf("predict: exit %d %q", code, stderr)
	}
	info, _ := predict.Stat(pred)
	bad, _ := predict.ReadUnreadable(info)
	if info.Rows != 11 || len(bad) != 2 {
		t.Errorf("%d rows, unreadable %v", info.Rows, bad)
	}
	sub := filepath.Join(t.TempDir(), "s.csv")
	code, _, stderr = fgia(t, "submit", "--pred", pred, "--data", data, "--split", "testb", "--out", sub)
	if code != 0 || !strings.Contains(stderr, "2 images could not be read") {
		t.Errorf("submit: exit %d %q", code, stderr)
	}
	if b, _ := os.ReadFile(sub); strings.Count(string(b), "\n") != 12 {
		t.Errorf("submission:\n%s", b)
	}
}

// TestMalformedPredictions feeds every command that reads prediction files
// ragged, empty, NaN, out-of-range, duplicated and incomplete ones: each
// ends with an error naming the problem (or, where the input is still
// usable, succeeds), and none panics.
func TestMalformedPredictions(t *testing.T) {
	dir := t.TempDir()
	data, labels := tinySet(t)
	names := []string{}
	for c := 0; c < 3; c++ {
		for i := 0; i < 3; i++ {
			names = append(names, fmt.Sprintf("testa-%d-%d.png", c, i))
		}
	}
	good := func() []predict.Row {
		var rows []predict.Row
		for i, n := range names {
			z := []float32{0, 0, 0}
			z[i%3] = 2
			rows = append(rows, predict.Row{Image: n, Pred: int32(i % 3), Logits: z})
		}
		return rows
	}
	kinds := map[string][]predict.Row{
		"ragged":       append(good()[:8], predict.Row{Image: names[8], Logits: []float32{1, 2}}),
		"empty":        nil,
		"no logits":    {{Image: names[0]}},
		"NaN":          append(good()[:8], predict.Row{Image: names[8], Logits: []float32{float32(math.NaN()), 0, 0}}),
		"out of range": append(good()[:8], predict.Row{Image: names[8], Pred: 7, Logits: []float32{0, 0, 1}}),
		"duplicated":   append(good(), good()[0]),
		"missing rows": good()[:5],
	}
	// A file of fewer images is still a prediction file: the commands that
	// do not compare it with a split or labels may use it, and an empty
	// file is a legitimate shard to merge. Everything else must refuse.
	mayPass := map[string]bool{"adjust/missing rows": true, "redistribute/missing rows": true, "pseudo/missing rows": true,
		"merge/missing rows": true, "ensemble/missing rows": true, "merge/empty": true}
	for kind, rows := range kinds {
		f := filepath.Join(dir, strings.ReplaceAll(kind, " ", "_")+".parquet")
		if err := predict.Write(f, rows, []int{8, 8, 8}, map[string]string{predict.MetaSplit: "testa"}); err != nil {
			t.Fatal(err)
		}
		o := func(n string) string { return filepath.Join(dir, strings.ReplaceAll(kind, " ", "_")+"-"+n) }
		for _, args := range [][]string{
			{"score", "--pred", f, "--labels", filepath.Join(labels, "testa.txt")},
			{"ensemble", "--pred", f + "," + f, "--out", o("ens.parquet")},
			{"adjust", "--pred", f, "--out", o("adj.parquet")},
			{"redistribute", "--pred", f, "--out", o("red.parquet")},
			{"pseudo", "--pred", f, "--data", data, "--out", o("list.txt")},
			{"submit", "--pred", f, "--data", data, "--split", "testa", "--out", o("s.csv")},
			{"merge", "--parts", f, "--out", o("m.parquet")},
		} {
			code, _, stderr := fgia(t, args...)
			key := args[0] + "/" + kind
			if code == 0 && !mayPass[key] {
				t.Errorf("%s: accepted", key)
			}
			if code != 0 && strings.TrimSpace(stderr) == "" {
				t.Errorf("%s: exit %d without a message", key, code)
			}
		}
	}
}

// TestPanicsBecomeErrors: a bug that panics inside a command ends as an
// error naming the command and its command line.
func TestPanicsBecomeErrors(t *testing.T) {
	register(command{name: "panic-for-test", group: "other", summary: "panics", setup: func(fs *flag.FlagSet) func() error {
		in := fs.String("in", "", "an input")
		return func() error {
			var rows []int
			_ = rows[len(*in)] // index out of range
			return nil
		}
	}})
	var stderr bytes.Buffer
	code := run([]string{"panic-for-test", "--in", "x.parquet"}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "fgia panic-for-test: internal error") || !strings.Contains(stderr.String(), "--in x.parquet") {
		t.Errorf("exit %d, %q", code, stderr.String())
	}
}

// storedRow is a manifest row as stored, path bytes untouched.
type storedRow struct {
	Path string `parquet:"path"`
}

func tableRows(path string) ([]storedRow, error) { return table.Read[storedRow](path) }

// TestValidationSplit: a run with --val-split scores its held-out images
// at every epoch end, logs it, and keeps the best epoch for predict --best.
func TestValidationSplit(t *testing.T) {
	data, _ := trainedRun(t)
	run := filepath.Join(t.TempDir(), "run")
	code, _, stderr := fgia(t, "train", "--data", data, "--config", tinyConfig(t, 6), "--epochs", "3", "--val-split", "0.25", "--out", run)
	if code != 0 || !strings.Contains(stderr, "validating on 6 held-out images") {
		t.Fatalf("train: exit %d %q", code, stderr)
	}
	recs, _ := train.ReadMetrics(run)
	var vals []float64
	for _, r := range recs {
		if r.ValAccuracy != nil {
			vals = append(vals, *r.ValAccuracy)
		}
	}
	if len(vals) != 3 { // 18 training images, batch 8: 2 steps an epoch, 6 steps
		t.Errorf("validation records %v, want one each epoch end (3)", vals)
	}
	best, _, err := checkpoint.LatestValid(filepath.Join(run, train.CheckpointsDir, train.BestDir))
	if err != nil || best == nil {
		t.Fatalf("no best checkpoint: %v", err)
	}
	pred := filepath.Join(t.TempDir(), "p.parquet")
	if code, _, stderr := fgia(t, "predict", "--run", run, "--best", "--data", data, "--split", "testa", "--out", pred); code != 0 {
		t.Fatalf("predict --best: %s", stderr)
	}
	if info, _ := predict.Stat(pred); info.Meta[predict.MetaCheckpoint] != filepath.Base(best.File) {
		t.Errorf("predicted with %s, want the best %s", info.Meta[predict.MetaCheckpoint], filepath.Base(best.File))
	}
}
