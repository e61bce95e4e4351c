package soup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/ensemble"
	"github.com/fgia/fgia/fgia/internal/quickset"
	"github.com/fgia/fgia/fgia/internal/tinyrun"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/score"
	"github.com/fgia/fgia/fgia/train"
)

// fakeRun writes a run folder whose checkpoint at step s holds
// /backbone/w = s * [1 2 3] (trainable), /head/b = [s] (trainable,
// float64), the EMA copy of w = 10 s, an Adam moment = 100 s and a step
// counter = s (not trainable), and an int variable = s (trainable, not
// averageable).
func fakeRun(t *testing.T, steps ...int64) string {
	t.Helper()
	run := filepath.Join(t.TempDir(), "run")
	os.MkdirAll(run, 0o755)
	os.WriteFile(filepath.Join(run, train.ConfigFile), []byte(`{"config":{},"class_counts":[3,2,1]}`+"\n"), 0o644)
	for _, s := range steps {
		f := float32(s)
		ctx := context.New().Checked(false)
		ctx.InAbsPath("/backbone").VariableWithValue("w", []float32{f, 2 * f, 3 * f})
		ctx.InAbsPath("/head").VariableWithValue("b", []float64{float64(s)})
		ctx.InAbsPath("/backbone").VariableWithValue("n", []int32{int32(s)})
		ctx.InAbsPath(optim.EMAScope("/backbone")).VariableWithValue("w", []float32{10 * f, 10 * f, 10 * f}).SetTrainable(false)
		ctx.InAbsPath(optim.Scope+"/m/backbone").VariableWithValue("w", []float32{100 * f, 0, 0}).SetTrainable(false)
		ctx.InAbsPath(optim.Scope).VariableWithValue("step", f).SetTrainable(false)
		if _, err := checkpoint.Save(ctx, filepath.Join(run, train.CheckpointsDir), s, map[string]int64{"step": s}, 0); err != nil {
			t.Fatal(err)
		}
	}
	return run
}

func values(t *testing.T, ck *checkpoint.Checkpoint, path string) any {
	t.Helper()
	tt, ok := ck.Tensors[path]
	if !ok {
		t.Fatalf("%s missing", path)
	}
	return tt.Value()
}

func TestUniform(t *testing.T) {
	run := fakeRun(t, 10, 20, 30, 40)
	out := filepath.Join(t.TempDir(), "soup")
	if err := Uniform(run, 3, out); err != nil {
		t.Fatal(err)
	}
	latest, _ := checkpoint.Latest(filepath.Join(out, train.CheckpointsDir))
	if filepath.Base(latest) != checkpoint.Name(40) {
		t.Fatalf("soup checkpoint %s", latest)
	}
	ck, err := checkpoint.Load(latest)
	if err != nil {
		t.Fatal(err)
	}
	// The mean of steps 20, 30, 40 is 30.
	for _, tc := range []struct {
		path string
		want any
	}{
		{"/backbone/w", []float32{30, 60, 90}},
		{"/head/b", []float64{30}},
		{optim.EMAScope("/backbone") + "/w", []float32{300, 300, 300}},
		{"/backbone/n", []int32{40}},                           // not a float: the newest
		{optim.Scope + "/m/backbone/w", []float32{4000, 0, 0}}, // optimizer state: the newest
		{optim.Scope + "/step", float32(40)},
	} {
		if got := values(t, ck, tc.path); !equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.path, got, tc.want)
		}
	}
	var meta map[string]int64
	if err := ck.Meta(&meta); err != nil || meta["step"] != 40 || ck.Step != 40 {
		t.Errorf("meta %v step %d: %v", meta, ck.Step, err)
	}
	for _, v := range ck.Vars {
		if want := v.Path == "/backbone/w" || v.Path == "/head/b" || v.Path == "/backbone/n"; v.Trainable != want {
			t.Errorf("%s trainable %v", v.Path, v.Trainable)
		}
	}
	cfg, _ := os.ReadFile(filepath.Join(out, train.ConfigFile))
	src, _ := os.ReadFile(filepath.Join(run, train.ConfigFile))
	if string(cfg) != string(src) {
		t.Error("config.json not copied")
	}
	if _, err := train.ReadRunInfo(out); err != nil {
		t.Error(err)
	}
	info, err := ReadInfo(out)
	if err != nil || info.Method != "uniform" || len(info.Checkpoints) != 3 || info.Averaged != 3 || info.Kept != 3 || info.From != run {
		t.Errorf("soup.json %+v %v", info, err)
	}
	// A second soup replaces the first; the source run is never a target.
	if err := Uniform(run, 2, out); err != nil {
		t.Fatal(err)
	}
	if all, _ := checkpoint.List(filepath.Join(out, train.CheckpointsDir)); len(all) != 1 {
		t.Errorf("soup folder holds %v", all)
	}
	for _, tc := range []struct {
		k    int
		out  string
		want string
	}{
		{5, out, "keeps 4 checkpoints"},
		{0, out, "k 0"},
		{2, run, "must differ"},
		{2, fakeRun(t, 1), "a training run"},
	} {
		if err := Uniform(run, tc.k, tc.out); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("k %d out %s: %v, want %q", tc.k, tc.out, err, tc.want)
		}
	}
}

func equal(a, b any) bool {
	switch x := a.(type) {
	case []float32:
		y, ok := b.([]float32)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if d := x[i] - y[i]; d > 1e-4 || d < -1e-4 {
				return false
			}
		}
		return true
	case []float64:
		y, ok := b.([]float64)
		return ok && len(x) == 1 && len(y) == 1 && x[0]-y[0] < 1e-9 && y[0]-x[0] < 1e-9
	case []int32:
		y, ok := b.([]int32)
		return ok && len(x) == len(y) && x[0] == y[0]
	case float32:
		y, ok := b.(float32)
		return ok && x == y
	}
	return false
}

func TestAverageMismatch(t *testing.T) {
	a := fakeRun(t, 1)
	b := filepath.Join(t.TempDir(), "other")
	ctx := context.New().Checked(false)
	ctx.InAbsPath("/backbone").VariableWithValue("w", []float32{1, 2})
	f, err := checkpoint.Save(ctx, b, 2, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := checkpoint.List(filepath.Join(a, train.CheckpointsDir))
	if _, _, err := Average(append(files, f)); err == nil {
		t.Error("different variables: no error")
	}
	if _, _, err := Average(nil); err == nil {
		t.Error("no files: no error")
	}
}

// TestGreedy scores each candidate by a made-up function of its weights:
// checkpoints far from w = 25 * [1 2 3] hurt.
func TestGreedy(t *testing.T) {
	run := fakeRun(t, 10, 20, 30, 40)
	scoreOf := func(path string) (float64, error) {
		ck, err := checkpoint.Load(path)
		if err != nil {
			return 0, err
		}
		w := ck.Tensors["/backbone/w"].Value().([]float32)
		d := float64(w[0] - 25)
		return -d * d, nil
	}
	out := filepath.Join(t.TempDir(), "greedy")
	info, err := Greedy(run, 4, out, scoreOf)
	if err != nil {
		t.Fatal(err)
	}
	// 20 and 30 score -25 each (30 first: the newer wins ties); adding 20
	// gives mean 25 (score 0); 10 or 40 would move the mean away.
	if info.Method != "greedy" || info.Score != 0 || len(info.Checkpoints) != 2 ||
		filepath.Base(info.Checkpoints[0]) != checkpoint.Name(20) || filepath.Base(info.Checkpoints[1]) != checkpoint.Name(30) {
		t.Errorf("greedy soup %+v", info)
	}
	latest, _ := checkpoint.Latest(filepath.Join(out, train.CheckpointsDir))
	if s, _ := scoreOf(latest); s != 0 {
		t.Errorf("written soup scores %g", s)
	}
}

// TestSoupPredicts trains a tiny run keeping three checkpoints, soups them,
// and predicts with the soup as with any run.
func TestSoupPredicts(t *testing.T) {
	data, labels := quickset.Dirs(t)
	dir := t.TempDir()
	run, b := tinyrun.Train(t, tinyrun.Config(3, 3), data, dir)
	out := filepath.Join(dir, "soup")
	if err := Uniform(run, 3, out); err != nil {
		t.Fatal(err)
	}
	names, _ := dataset.Layout{Root: data}.TestImages("testa")
	pred := filepath.Join(dir, "soup.parquet")
	n, err := predict.Run(predict.Options{Run: out, Data: data, Split: "testa", Out: pred, Batch: 64, Backend: b, Quiet: true})
	if err != nil || n != len(names) {
		t.Fatalf("predict with the soup: %d rows, %v", n, err)
	}
	// Greedy, scored by Test-A accuracy (held-out labels stand in for a
	// validation split here).
	l, err := score.ReadLabels(filepath.Join(labels, "testa.txt"))
	if err != nil {
		t.Fatal(err)
	}
	scored := 0
	info, err := Greedy(run, 3, filepath.Join(dir, "greedy"), func(ckpt string) (float64, error) {
		scored++
		f := filepath.Join(dir, "score.parquet")
		if _, err := predict.Run(predict.Options{Run: run, Checkpoint: ckpt, Data: data, Split: "testa", Out: f, Batch: 64, Backend: b, Quiet: true}); err != nil {
			return 0, err
		}
		return ensemble.Accuracy(f, l)
	})
	if err != nil {
		t.Fatal(err)
	}
	if scored != 5 || len(info.Checkpoints) < 1 || len(info.Scores) != len(info.Checkpoints) {
		t.Errorf("greedy: %d scorings, %+v", scored, info)
	}
}
