package nb

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/plotpng"
)

func TestByFrequency(t *testing.T) {
	for _, c := range []struct {
		counts []int
		want   []int
	}{
		{[]int{5, 9, 1, 9}, []int{1, 3, 0, 2}}, // ties keep class order
		{[]int{1, 2, 3}, []int{2, 1, 0}},
		{nil, []int{}},
	} {
		if got := ByFrequency(c.counts); !slices.Equal(got, c.want) {
			t.Errorf("ByFrequency(%v) = %v, want %v", c.counts, got, c.want)
		}
	}
}

func TestDistribution(t *testing.T) {
	l := Labeling{Name: "argmax", Labels: []int32{0, 0, 2, 2, 2, 5}}
	if got := l.PerClass(3); !slices.Equal(got, []int{2, 0, 3}) {
		t.Errorf("PerClass %v (a label outside the classes must not count)", got)
	}
	names := []string{"a", "b", "c"}
	if _, err := Distribution("x", names, []int{3, 2, 1}, []Labeling{l}); err != nil {
		t.Errorf("Distribution: %v", err)
	}
	for _, c := range []struct {
		names []string
		ls    []Labeling
	}{
		{names[:2], []Labeling{l}},
		{names, nil},
	} {
		if _, err := Distribution("x", c.names, []int{3, 2, 1}, c.ls); err == nil || !strings.Contains(err.Error(), "distribution") {
			t.Errorf("Distribution(%v, %d labellings) error %v", c.names, len(c.ls), err)
		}
	}
}

func TestPlotScale(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"new.png", "new.svg", "old.png"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := plotScale(filepath.Join(dir, "new.png")); got != plotpng.Scale {
		t.Errorf("a PNG with its SVG: scale %d, want %d", got, plotpng.Scale)
	}
	if got := plotScale(filepath.Join(dir, "old.png")); got != 1 {
		t.Errorf("a PNG alone (an older fgia's): scale %d, want 1", got)
	}
}
