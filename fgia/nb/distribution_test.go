package nb

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/plotpng"
)

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

func TestPairedInterval(t *testing.T) {
	truth := make([]int32, 400)
	a, b := make([]int32, 400), make([]int32, 400)
	for i := range truth {
		truth[i] = int32(i % 4)
		a[i], b[i] = truth[i], truth[i]
		if i%10 == 0 { // a loses 10%
			a[i] = (truth[i] + 1) % 4
		}
		if i%50 == 1 { // b loses 2% on other images
			b[i] = (truth[i] + 1) % 4
		}
	}
	truth[3] = -1 // an unlabelled image does not count
	iv, err := PairedInterval(a, b, truth)
	if err != nil {
		t.Fatal(err)
	}
	if !(iv.High < 0) || !(iv.Low < -0.08 && iv.High > -0.08) {
		t.Errorf("interval %+v: want one below 0 around the -8 points a loses", iv)
	}
	same, err := PairedInterval(a, a, truth)
	if err != nil || same.Low != 0 || same.High != 0 {
		t.Errorf("a labelling against itself: %+v %v, want [0, 0]", same, err)
	}
	if _, err := PairedInterval(a[:3], b, truth); err == nil {
		t.Error("labellings of different lengths gave no error")
	}
}
