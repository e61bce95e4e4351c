package fashionmnist

import (
	"os"
	"testing"
)

func TestLoad(t *testing.T) {
	if _, err := os.Stat(DefaultDir); err != nil {
		t.Skipf("Debian's dataset-fashion-mnist is not installed (make test installs it): %v", err)
	}
	for _, tc := range []struct {
		split string
		n     int
	}{{"train", 60000}, {"t10k", 10000}} {
		s, err := Load("", tc.split)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Images) != tc.n || len(s.Labels) != tc.n {
			t.Fatalf("%s: %d images, %d labels, want %d", tc.split, len(s.Images), len(s.Labels), tc.n)
		}
		counts := make([]int, len(ClassNames))
		for _, l := range s.Labels {
			counts[l]++
		}
		for c, n := range counts {
			if n != tc.n/10 {
				t.Errorf("%s: class %d has %d images, want %d", tc.split, c, n, tc.n/10)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(t.TempDir(), "train"); err == nil {
		t.Error("missing files: no error")
	}
	if _, err := Load("", "valid"); err == nil {
		t.Error("unknown split: no error")
	}
}
