// Package score measures predictions against hidden labels: top-1, top-5,
// mean per-class accuracy, accuracy on the head, medium and tail classes
// by training frequency (fgia/longtail bands), per-class precision and
// recall and the confusion matrix — the view of a long-tailed problem
// that a single top-1 hides. A prediction file that does not match its
// labels (images missing on either side, an image twice, a class out of
// range, rows of different lengths) is an error naming the image, never a
// quietly different number.
package score

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/predict"
)

// ReadLabels reads "name label" lines (a name may hold spaces: the label
// is the last field). A name listed twice, a label that is not a
// non-negative integer, a UTF-16 file or an empty one is an error naming
// the line.
func ReadLabels(path string) (map[string]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	if bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
		return nil, fmt.Errorf("score: %s is UTF-16; save it as UTF-8", path)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark
	out := map[string]int{}
	first := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cut := strings.LastIndexAny(text, " \t")
		if cut < 0 {
			return nil, fmt.Errorf("score: %s:%d: want \"name label\", got %q", path, line, text)
		}
		name, lbl := strings.TrimSpace(text[:cut]), text[cut+1:]
		l, err := strconv.Atoi(lbl)
		if err != nil || l < 0 {
			return nil, fmt.Errorf("score: %s:%d: label %q is not a class index", path, line, lbl)
		}
		if prev, dup := first[name]; dup {
			return nil, fmt.Errorf("score: %s:%d: %s is already labelled at line %d", path, line, name, prev)
		}
		first[name], out[name] = line, l
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("score: %s:%d: %w", path, line+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("score: %s has no labels", path)
	}
	return out, nil
}

// Result holds the metrics.
type Result struct {
	Images       int
	Classes      int
	Top1, Top5   float64
	MeanPerClass float64
	PerClass     []float64 // recall (accuracy) of each class; 0 where it has no image
	Top5PerClass []float64
	Precision    []float64 // of each class's predictions, the share right (0 where never predicted)
	Support      []int     // test images per class
	Predicted    []int     // predictions per class
	Confusion    [][]int   // [true][pred] counts
	Bands        map[longtail.Band]float64
	// Missing are labelled images without a prediction; Unlabelled are
	// predicted images without a label. Score refuses both unless allowed.
	Missing, Unlabelled []string
}

// Options of Score.
type Options struct {
	// AllowMissing scores the images both sides have when they differ,
	// reporting the others in Missing and Unlabelled instead of failing.
	AllowMissing bool
}

// Score compares rows with labels; counts (training class counts, may be
// nil) give the frequency bands.
func Score(rows []predict.Row, labels map[string]int, counts []int) (*Result, error) {
	return ScoreWith(rows, labels, counts, Options{})
}

// ScoreWith is Score with options.
func ScoreWith(rows []predict.Row, labels map[string]int, counts []int, o Options) (*Result, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("score: no predictions")
	}
	classes := len(rows[0].Logits)
	if classes == 0 {
		return nil, fmt.Errorf("score: image %s has no logits", rows[0].Image)
	}
	r := &Result{Classes: classes, PerClass: make([]float64, classes), Top5PerClass: make([]float64, classes),
		Precision: make([]float64, classes), Support: make([]int, classes), Predicted: make([]int, classes),
		Confusion: make([][]int, classes), Bands: map[longtail.Band]float64{}}
	for c := range r.Confusion {
		r.Confusion[c] = make([]int, classes)
	}
	correct, correct5 := make([]int, classes), make([]int, classes)
	seen := make(map[string]int, len(rows))
	var top1, top5 int
	for i, row := range rows {
		if prev, dup := seen[row.Image]; dup {
			return nil, fmt.Errorf("score: image %s is predicted twice (rows %d and %d)", row.Image, prev+1, i+1)
		}
		seen[row.Image] = i
		if len(row.Logits) != classes {
			return nil, fmt.Errorf("score: image %s (row %d) has %d logits, the first row %d", row.Image, i+1, len(row.Logits), classes)
		}
		if row.Pred < 0 || int(row.Pred) >= classes {
			return nil, fmt.Errorf("score: image %s (row %d) predicts class %d, outside [0, %d)", row.Image, i+1, row.Pred, classes)
		}
		y, ok := labels[row.Image]
		if !ok {
			r.Unlabelled = append(r.Unlabelled, row.Image)
			continue
		}
		if y >= classes {
			return nil, fmt.Errorf("score: %s has label %d, the predictions have %d classes", row.Image, y, classes)
		}
		r.Images++
		r.Support[y]++
		r.Predicted[row.Pred]++
		r.Confusion[y][row.Pred]++
		if int(row.Pred) == y {
			top1++
			correct[y]++
		}
		if inTopK(row.Logits, y, 5) {
			top5++
			correct5[y]++
		}
	}
	for name := range labels {
		if _, ok := seen[name]; !ok {
			r.Missing = append(r.Missing, name)
		}
	}
	sort.Strings(r.Missing)
	if !o.AllowMissing && (len(r.Missing) > 0 || len(r.Unlabelled) > 0) {
		return nil, fmt.Errorf("score: the predictions and the labels cover different images: %d labelled images have no prediction (first: %s), %d predicted images have no label (first: %s); score the common ones with --allow-missing",
			len(r.Missing), first(r.Missing), len(r.Unlabelled), first(r.Unlabelled))
	}
	if r.Images == 0 {
		return nil, fmt.Errorf("score: no prediction matches a labelled image")
	}
	r.Top1, r.Top5 = float64(top1)/float64(r.Images), float64(top5)/float64(r.Images)
	present := 0
	for c := range correct {
		if r.Support[c] > 0 {
			r.PerClass[c] = float64(correct[c]) / float64(r.Support[c])
			r.Top5PerClass[c] = float64(correct5[c]) / float64(r.Support[c])
			r.MeanPerClass += r.PerClass[c]
			present++
		}
		if r.Predicted[c] > 0 {
			r.Precision[c] = float64(correct[c]) / float64(r.Predicted[c])
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

func first(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return s[0]
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

// Markdown renders the result as a small table, in percent like the
// ablation tables.
func (r *Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| images | top-1 %% | top-5 %% | mean per-class %% |")
	bands := []longtail.Band{longtail.Head, longtail.Medium, longtail.Tail}
	for _, band := range bands {
		if _, ok := r.Bands[band]; ok {
			fmt.Fprintf(&b, " %s %% |", band)
		}
	}
	b.WriteString("\n|---:|---:|---:|---:|")
	for _, band := range bands {
		if _, ok := r.Bands[band]; ok {
			b.WriteString("---:|")
		}
	}
	fmt.Fprintf(&b, "\n| %d | %.2f | %.2f | %.2f |", r.Images, 100*r.Top1, 100*r.Top5, 100*r.MeanPerClass)
	for _, band := range bands {
		if v, ok := r.Bands[band]; ok {
			fmt.Fprintf(&b, " %.2f |", 100*v)
		}
	}
	b.WriteString("\n")
	return b.String()
}
