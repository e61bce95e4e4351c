package checkpoint

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestSaveLoadKeep(t *testing.T) {
	dir := t.TempDir()
	ctx := context.New()
	ctx.In("model").VariableWithValue("w", [][]float32{{1, 2}, {3, 4}})
	ctx.In("optim").VariableWithValue("step", float32(7)).SetTrainable(false)
	ctx.In("rng").VariableWithValue("state", []uint64{1, 2, 3})
	for step := int64(1); step <= 4; step++ {
		if _, err := Save(ctx, dir, step*10, map[string]int{"epoch": int(step)}, 2); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := List(dir)
	if len(all) != 2 || filepath.Base(all[1]) != "ckpt-000000040.ckpt" {
		t.Fatalf("kept %v, want the last two", all)
	}
	c, err := Load(all[1])
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]int
	if err := c.Meta(&meta); err != nil || meta["epoch"] != 4 || c.Step != 40 {
		t.Errorf("meta %v step %d err %v", meta, c.Step, err)
	}
	fresh := context.New()
	if err := c.Restore(fresh, nil); err != nil {
		t.Fatal(err)
	}
	w := fresh.InspectVariable("/model", "w")
	if w == nil || !reflect.DeepEqual(w.MustValue().Value(), [][]float32{{1, 2}, {3, 4}}) || !w.Trainable {
		t.Errorf("restored w: %v", w)
	}
	if s := fresh.InspectVariable("/optim", "step"); s == nil || s.Trainable {
		t.Errorf("restored optimizer step must stay non-trainable: %v", s)
	}
	if r := fresh.InspectVariable("/rng", "state"); r == nil || !reflect.DeepEqual(r.MustValue().Value(), []uint64{1, 2, 3}) {
		t.Errorf("restored rng state: %v", r)
	}
	// Restoring into a context whose variable has another shape is an error.
	other := context.New()
	other.In("model").VariableWithValue("w", []float32{1})
	if err := c.Restore(other, nil); err == nil {
		t.Error("shape mismatch: no error")
	}
}

func TestCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	ctx := context.New()
	ctx.In("m").VariableWithValue("w", []float32{1, 2, 3})
	path, err := Save(ctx, dir, 1, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for name, b := range map[string][]byte{"empty": nil, "garbage": []byte("hello"), "truncated": data[:len(data)-3]} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		if _, err := Load(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// An interrupted save leaves only a temporary file, which List ignores.
	os.WriteFile(filepath.Join(dir, ".ckpt-000000002.ckpt.tmp123"), data[:10], 0o644)
	if latest, _ := Latest(dir); latest != path {
		t.Errorf("latest = %s, want %s", latest, path)
	}
}
