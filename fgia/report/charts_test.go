package report

import (
	"bytes"
	"image/png"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/fgia/fgia/fgia/plotpng"
	"github.com/fgia/fgia/fgia/redistribute"
	"github.com/fgia/fgia/fgia/train"
)

var fashion = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// confusionCounts is an n-class matrix with 50 right per class and class
// 3 mostly taken for class 6 (when there is one).
func confusionCounts(n int) [][]int {
	m := make([][]int, n)
	for t := range m {
		m[t] = make([]int, n)
		m[t][t] = 50
		m[t][(t+1)%n] = 5
	}
	if n > 6 {
		m[3][6] = 70
	}
	return m
}

func sweep(k0 int, top1 ...float64) []redistribute.SweepPoint {
	pts := []redistribute.SweepPoint{{K: 0, Top1: 0.5}} // the plain argmax, not drawn
	for i, t := range top1 {
		pts = append(pts, redistribute.SweepPoint{K: k0 + i, Top1: t})
	}
	return pts
}

func TestChartsRender(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	var recs []train.Record
	for i := 1; i <= 100; i++ {
		recs = append(recs, train.Record{Step: 10 * i, Loss: 2 / float64(i), Accuracy: float64(i) / 120})
	}
	pretrain := []train.Record{{Step: 1, Loss: 1}, {Step: 2, Loss: 0.8}}
	for _, c := range []struct {
		name  string
		build func() (*plotpng.Figure, error)
		texts []string // written in the SVG
	}{
		{"lines", func() (*plotpng.Figure, error) {
			return Lines("predicted images", plotpng.Axis{Label: "class", Names: fashion}, plotpng.Axis{Label: "images", Format: plotpng.Count},
				[]plotpng.Series{{Name: "before", X: xs, Y: []float64{0, 0, 0, 550, 580, 750, 280, 890, 2000, 930}},
					{Name: "uniform target", X: []float64{0, 9}, Y: []float64{600, 600}, Dashed: true}})
		}, []string{"before", "uniform target", "Ankle boot", "2,000"}},
		{"bars", func() (*plotpng.Figure, error) {
			return Bars("ablation", plotpng.Axis{Label: "top-1", Format: plotpng.Percent}, []string{"baseline", "clean"}, []float64{0.5, 0.6125})
		}, []string{"baseline", "clean", "61.3%", "50.0%"}},
		{"learning curves", func() (*plotpng.Figure, error) { return LearningCurves(recs) },
			[]string{"training loss", "training batch accuracy", "1,000", "80%"}},
		{"pretraining curve", func() (*plotpng.Figure, error) { return LearningCurves(pretrain) }, []string{"training loss"}},
		{"accuracy against frequency, named", func() (*plotpng.Figure, error) {
			return AccuracyVsFrequency("per class", fashion, []int{5800, 3500, 2100, 1300, 800, 520, 340, 230, 180, 150},
				[]float64{0.77, 0.64, 0.70, 0.95, 0.9, 0.91, 0.91, 0.78, 0.25, 0.68})
		}, []string{"Bag", "T-shirt/top", "1,000", "200", "500", "100%"}},
		{"confusion, counts, 10 named classes", func() (*plotpng.Figure, error) {
			return Confusion("confusion", fashion, confusionCounts(10), false)
		}, []string{"predicted class", "true class", "Ankle boot", "70", "50", "images"}},
		{"confusion, shares", func() (*plotpng.Figure, error) {
			return Confusion("confusion", fashion, confusionCounts(10), true)
		}, []string{"91%", "56%", "40%", "9%", "share of the true class", "100%"}},
		{"confusion, 150 classes", func() (*plotpng.Figure, error) {
			return Confusion("confusion", nil, confusionCounts(150), true)
		}, []string{"predicted class", "100"}},
		{"confusion, 1200 classes pooled", func() (*plotpng.Figure, error) {
			return Confusion("confusion", nil, confusionCounts(1200), false)
		}, []string{"1,000"}},
		{"K sweep, two splits", func() (*plotpng.Figure, error) {
			return KSweep("K sweep", []KSweepSplit{
				{Name: "testa", PerClass: 400, Chosen: 399, Methods: []KSweepMethod{
					{Name: "exclusive", Points: sweep(397, 0.7335, 0.73125, 0.7305, 0.729)},
					{Name: "champion", Points: sweep(397, 0.75, 0.7495, 0.7495, 0.75)}}},
				{Name: "testb", PerClass: 600, Chosen: 599, Methods: []KSweepMethod{
					{Name: "exclusive", Points: sweep(597, 0.737, 0.7358, 0.7345, 0.7338)},
					{Name: "champion", Points: sweep(597, 0.7477, 0.7475, 0.7475, 0.748)}}}})
		}, []string{"exclusive", "champion", "testa (N/C = 400)", "K = 599 (0.998 N/C)", "599", "0.998", "75%"}},
		{"K sweep, the champion's leaderboard", func() (*plotpng.Figure, error) {
			return KSweep("LB-A", []KSweepSplit{{Name: "testa", PerClass: 12, Chosen: 11, Methods: []KSweepMethod{
				{Name: "one pass", Points: sweep(8, 0.77, 0.7718, 0.7729, 0.7732, 0.77, 0.7599)}}}})
		}, []string{"K = 11 (0.917 N/C)", "0.92", "1.08", "77.0%"}},
	} {
		f, err := c.build()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkFigure(t, c.name, f, c.texts)
	}
}

// checkFigure renders f and checks what any figure must be: a PNG at twice
// its nominal size, an SVG that parses and writes texts, a legend or side
// panel outside every data area.
func checkFigure(t *testing.T, name string, f *plotpng.Figure, texts []string) {
	t.Helper()
	b, err := f.PNG()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: PNG: %v", name, err)
	}
	if w := int(float64(f.Width/vg.Inch)*plotpng.Scale*plotpng.DPI + 0.5); img.Bounds().Dx() != w {
		t.Errorf("%s: PNG %d pixels wide, want %d", name, img.Bounds().Dx(), w)
	}
	svg, err := f.SVG()
	if err != nil {
		t.Fatalf("%s: SVG: %v", name, err)
	}
	written, err := plotpng.SVGTexts(svg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, want := range texts {
		if !slices.Contains(written, want) {
			t.Errorf("%s: the SVG does not write %q", name, want)
		}
	}
	l, err := f.Layout()
	if err != nil {
		t.Fatal(err)
	}
	for _, aside := range []vg.Rectangle{l.Legend, l.Side} {
		for _, d := range l.Data {
			if aside.Size().X > 0 && aside.Min.X < d.Max.X && d.Min.X < aside.Max.X && aside.Min.Y < d.Max.Y && d.Min.Y < aside.Max.Y {
				t.Errorf("%s: %v overlaps the data area %v", name, aside, d)
			}
		}
	}
}

func TestChartsRefuse(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func() (*plotpng.Figure, error)
		want  string
	}{
		{"series with more x than y", func() (*plotpng.Figure, error) {
			return Lines("t", plotpng.Axis{}, plotpng.Axis{}, []plotpng.Series{{Name: "bad", X: []float64{1}}})
		}, `"bad"`},
		{"bars without values", func() (*plotpng.Figure, error) { return Bars("t", plotpng.Axis{}, []string{"a"}, nil) }, "1 labels for 0 values"},
		{"no metrics", func() (*plotpng.Figure, error) { return LearningCurves(nil) }, "no metrics"},
		{"names for other classes", func() (*plotpng.Figure, error) {
			return AccuracyVsFrequency("t", []string{"a"}, []int{1, 2}, []float64{0.5, 0.5})
		}, "1 names for 2 classes"},
		{"a ragged confusion matrix", func() (*plotpng.Figure, error) {
			return Confusion("t", nil, [][]int{{1, 2}, {3}}, false)
		}, "row 1 has 1 columns"},
		{"a sweep without N/C", func() (*plotpng.Figure, error) {
			return KSweep("t", []KSweepSplit{{Name: "testb", Methods: []KSweepMethod{{Name: "m", Points: sweep(1, 0.5)}}}})
		}, `split "testb" has N/C 0`},
		{"a sweep of the argmax alone", func() (*plotpng.Figure, error) {
			return KSweep("t", []KSweepSplit{{Name: "testb", PerClass: 6, Methods: []KSweepMethod{{Name: "m", Points: sweep(1)}}}})
		}, "no point with K > 0"},
	} {
		_, err := c.build()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}
