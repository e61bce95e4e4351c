package train

import (
	"fmt"
	"math"

	"github.com/fgia/fgia/fgia/loader"
	"github.com/fgia/fgia/fgia/table"
)

// Distill is knowledge distillation from a teacher's predictions (Hinton
// et al.): every listed image that a teacher prediction file covers (test
// images, named split/file) learns
//
//	Alpha * T^2 * KL(softmax(z_t / T) || softmax(z / T)) + (1 - Alpha) * L(z, y)
//
// where L is the run's own loss on the image's listed label (for a test
// image, the teacher's argmax from `fgia pseudo --threshold 0`), and z the
// student's logits without margins; images no teacher covers keep L alone.
// It is self-distillation beside the hard pseudo-label loop.
//
// Soft instead trains covered images on the teacher's softmax at T as
// plain soft targets (no KL scale, no hard label): soft-label training.
type Distill struct {
	Teachers    []string `json:"teachers"` // prediction Parquet files (fgia predict, fgia ensemble)
	Temperature float64  `json:"temperature"`
	Alpha       float64  `json:"alpha"`
	Soft        bool     `json:"soft,omitempty"`
}

// validate checks the distillation settings.
func (d *Distill) validate() error {
	switch {
	case len(d.Teachers) == 0:
		return fmt.Errorf("train: distillation needs teacher prediction files")
	case d.Temperature <= 0:
		return fmt.Errorf("train: distill.temperature %g: want > 0", d.Temperature)
	case d.Alpha < 0 || d.Alpha > 1:
		return fmt.Errorf("train: distill.alpha %g: want a weight in [0, 1]", d.Alpha)
	}
	return nil
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
	if err := d.validate(); err != nil {
		return nil, 0, err
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

// batchTeacher assembles a batch's teacher probabilities [B*classes] (zero
// rows where no teacher covers the image) and the mask [B] of covered
// images.
func batchTeacher(b loader.Batch, soft [][]float32, classes int) (probs, has []float32) {
	probs, has = make([]float32, len(b.Labels)*classes), make([]float32, len(b.Labels))
	for r, idx := range b.Items {
		if idx < 0 { // padding repeats the first row
			idx = b.Items[0]
		}
		if soft[idx] != nil {
			copy(probs[r*classes:(r+1)*classes], soft[idx])
			has[r] = 1
		}
	}
	return probs, has
}
