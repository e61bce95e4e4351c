// Package score measures predictions against hidden labels: top-1, top-5,
// mean per-class accuracy, and accuracy on the head, medium and tail classes
// by training frequency (fgia/longtail bands), the view of a long-tailed
// problem that a single top-1 hides.
package score

import (
	"bufio"
	"fmt"
	"os"

	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/predict"
)

// ReadLabels reads "name label" lines.
func ReadLabels(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("score: %s:%d: want \"name label\"", path, line)
		}
		l, err := strconv.Atoi(fields[1])
		if err != nil {
			return nil, fmt.Errorf("score: %s:%d: label %q is not an integer", path, line, fields[1])
		}
		out[fields[0]] = l
	}
	return out, sc.Err()
}

// Result holds the metrics.
type Result struct {
	Images       int
	Top1, Top5   float64
	MeanPerClass float64
	PerClass     []float64 // accuracy of each class (NaN-free: 0 for absent classes)
	Support      []int     // test images per class
	Bands        map[longtail.Band]float64
	Missing      int // labelled images without a prediction
}

// Score compares rows with labels; counts (training class counts, may be
// nil) give the frequency bands.
func Score(rows []predict.Row, labels map[string]int, counts []int) (*Result, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("score: no predictions")
	}
	classes := len(rows[0].Logits)
	r := &Result{PerClass: make([]float64, classes), Support: make([]int, classes), Bands: map[longtail.Band]float64{}}
	correct := make([]int, classes)
	seen := map[string]bool{}
	var top1, top5 int
	for _, row := range rows {
		y, ok := labels[row.Image]
		if !ok {
			continue
		}
		if y < 0 || y >= classes {
			return nil, fmt.Errorf("score: %s has label %d, the model has %d classes", row.Image, y, classes)
		}
		seen[row.Image] = true
		r.Images++
		r.Support[y]++
		if int(row.Pred) == y {
			top1++
			correct[y]++
		}
		if inTopK(row.Logits, y, 5) {
			top5++
		}
	}
	r.Missing = len(labels) - len(seen)
	if r.Images == 0 {
		return nil, fmt.Errorf("score: no prediction matches a labelled image")
	}
	r.Top1, r.Top5 = float64(top1)/float64(r.Images), float64(top5)/float64(r.Images)
	present := 0
	for c := range correct {
		if r.Support[c] > 0 {
			r.PerClass[c] = float64(correct[c]) / float64(r.Support[c])
			r.MeanPerClass += r.PerClass[c]
			present++
		}
	}
	r.MeanPerClass /= float64(max(present, 1))
	if len(counts) == classes {
		bands := longtail.Bands(counts)
		hit, n := map[longtail.Band]int{}, map[longtail.Band]int{}
		for c := range correct {
			hit[bands[c]] += correct[c]
			n[bands[c]] += r.Support[c]
		}
		for b, k := range n {
			if k > 0 {
				r.Bands[b] = float64(hit[b]) / float64(k)
			}
		}
	}
	return r, nil
}

// inTopK says whether class y is among the k largest logits (ties count
// against it).
func inTopK(z []float32, y, k int) bool {
	above := 0
	for c, v := range z {
		if c != y && v >= z[y] {
			above++
		}
	}
	return above < k
}

// Markdown renders the result as a small table.
func (r *Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| images | top-1 | top-5 | mean per-class |")
	bands := []longtail.Band{longtail.Head, longtail.Medium, longtail.Tail}
	for _, band := range bands {
		if _, ok := r.Bands[band]; ok {
			fmt.Fprintf(&b, " %s |", band)
		}
	}
	b.WriteString("\n|---:|---:|---:|---:|")
	for _, band := range bands {
		if _, ok := r.Bands[band]; ok {
			b.WriteString("---:|")
		}
	}
	fmt.Fprintf(&b, "\n| %d | %.4f | %.4f | %.4f |", r.Images, r.Top1, r.Top5, r.MeanPerClass)
	for _, band := range bands {
		if v, ok := r.Bands[band]; ok {
			fmt.Fprintf(&b, " %.4f |", v)
		}
	}
	b.WriteString("\n")
	return b.String()
}
