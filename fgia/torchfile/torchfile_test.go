package torchfile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The files in testdata are written by scripts/timm_fixtures.py with
// torch.save.
func TestRead(t *testing.T) {
	want := map[string][]float32{
		"t":    {0, 3, 1, 4, 2, 5}, // a transposed view of [[0 1 2] [3 4 5]]
		"row":  {3, 4, 5},          // a view at a storage offset
		"half": {1, -2, 0.5},
		"bf16": {1.5, -3},
		"long": {7, -1},
	}
	for _, tc := range []struct{ file, wrapper string }{{"wrapped.pth", "model"}, {"legacy.pth", ""}} {
		d, wrapper, err := Read(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if wrapper != tc.wrapper || len(d) != len(want) {
			t.Errorf("%s: wrapper %q, %d tensors (%v)", tc.file, wrapper, len(d), d.Keys())
		}
		for k, v := range want {
			if got := d[k]; got == nil || !slices.Equal(got.Data, v) {
				t.Errorf("%s: %s = %v, want %v", tc.file, k, got, v)
			}
		}
		if s := d["t"].Shape; !slices.Equal(s, []int{3, 2}) {
			t.Errorf("%s: t has shape %v", tc.file, s)
		}
	}
}

func TestReadBadFiles(t *testing.T) {
	b, _ := os.ReadFile(filepath.Join("testdata", "wrapped.pth"))
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		return p
	}
	for _, tc := range []struct{ name, path, want string }{
		{"truncated zip", write("cut.pth", b[:len(b)*2/3]), "truncated or damaged"},
		{"text", write("text.pth", []byte("just some text")), "not a PyTorch checkpoint"},
		{"empty", write("empty.pth", nil), "too short"},
	} {
		_, _, err := Read(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
