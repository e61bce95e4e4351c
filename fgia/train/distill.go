package train

import (
	"fmt"
	"math"

	"github.com/fgia/fgia/fgia/loader"
	"github.com/fgia/fgia/fgia/table"
)

// Distill trains towards a teacher's soft targets: every listed image that
// a teacher prediction file covers (test images, named split/file) learns
// the teacher's softmax at Temperature instead of its hard label; the
// other images keep their (smoothed) one-hot label. It is self-distillation
// beside the hard pseudo-label loop: list the test images with the
// teacher's argmax (`fgia pseudo --threshold 0`) and name the teacher here.
type Distill struct {
	Teachers    []string `json:"teachers"` // prediction Parquet files (fgia predict, fgia ensemble)
	Temperature float64  `json:"temperature"`
}

// teacherRow is what distillation reads of a prediction file (fgia/predict
// writes it; predict imports this package, so the schema is named here).
type teacherRow struct {
	Image  string    `parquet:"image"`
	Logits []float32 `parquet:"logits,list"`
}

// metaSplit is predict.MetaSplit: the split a prediction file covers.
const metaSplit = "fgia.split"

// softTargets returns the teacher's target of each item (nil where no
// teacher covers it) and how many items have one.
func (d *Distill) softTargets(items []loader.Item, classes int) ([][]float32, int, error) {
	if d.Temperature <= 0 {
		return nil, 0, fmt.Errorf("train: distillation temperature %g", d.Temperature)
	}
	byPath := map[string][]float32{}
	for _, f := range d.Teachers {
		rows, err := table.Read[teacherRow](f)
		if err != nil {
			return nil, 0, err
		}
		meta, err := table.Metadata(f)
		if err != nil {
			return nil, 0, err
		}
		split := meta[metaSplit]
		if split == "" {
			return nil, 0, fmt.Errorf("train: teacher %s does not say which split it predicts (%s)", f, metaSplit)
		}
		for _, r := range rows {
			if len(r.Logits) != classes {
				return nil, 0, fmt.Errorf("train: teacher %s has %d classes, the model %d", f, len(r.Logits), classes)
			}
			byPath[split+"/"+r.Image] = softmaxAt(r.Logits, d.Temperature)
		}
	}
	out := make([][]float32, len(items))
	n := 0
	for i, it := range items {
		if p, ok := byPath[it.Path]; ok {
			out[i] = p
			n++
		}
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("train: no listed image is covered by the teachers %v (list the test images, e.g. with fgia pseudo --threshold 0)", d.Teachers)
	}
	return out, n, nil
}

// softmaxAt is softmax(z / t) in float64.
func softmaxAt(z []float32, t float64) []float32 {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, float64(v)/t)
	}
	e := make([]float64, len(z))
	sum := 0.0
	for i, v := range z {
		e[i] = math.Exp(float64(v)/t - m)
		sum += e[i]
	}
	out := make([]float32, len(z))
	for i := range e {
		out[i] = float32(e[i] / sum)
	}
	return out
}

// batchTargets assembles a batch's soft targets [B*classes]: the teacher's
// where it has one, else the label smoothed by smoothing.
func batchTargets(b loader.Batch, soft [][]float32, classes int, smoothing float64) []float32 {
	out := make([]float32, len(b.Labels)*classes)
	for r, idx := range b.Items {
		row := out[r*classes : (r+1)*classes]
		if idx < 0 { // padding repeats the first row
			idx = b.Items[0]
		}
		if soft[idx] != nil {
			copy(row, soft[idx])
			continue
		}
		for c := range row {
			row[c] = float32(smoothing / float64(classes))
		}
		row[b.Labels[r]] += float32(1 - smoothing)
	}
	return out
}
