// Package adjust applies post-hoc logit adjustment (Menon et al., "Long-tail
// learning via logit adjustment", 2021) to a prediction file: a model
// trained with plain cross-entropy on long-tailed data learns the training
// prior pi_c into its logits, and on a class-balanced test set the
// Bayes-optimal decision subtracts it again:
//
//	z'_c = z_c - tau * log(pi_c),   pi_c = n_c / sum_k n_k
//
// with tau = 1 and n_c the training class counts stored in the file
// (predict.MetaClassCounts). Rare classes gain, frequent ones lose. Classes
// are the integer labels 0..C-1 in numeric order; the champion's code built
// its prior from label strings sorted as strings ("10" before "2"), which is
// only right when the names are zero-padded. A class with no training image
// is counted as 1, so its prior stays finite.
package adjust

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/fgia/fgia/fgia/internal/par"
	"github.com/fgia/fgia/fgia/predict"
)

// DefaultTau is the adjustment strength of the champion's recipe.
const DefaultTau = 1

// MetaAdjust is the footer key recording an adjustment ({"tau": ...}).
const MetaAdjust = "fgia.adjust"

// LogPriors returns log(pi_c) for the class counts (zero counts taken as 1).
func LogPriors(counts []int) ([]float64, error) {
	if len(counts) == 0 {
		return nil, fmt.Errorf("adjust: no class counts (the file has no %s metadata; pass the training counts)", predict.MetaClassCounts)
	}
	var total float64
	for c, n := range counts {
		if n < 0 {
			return nil, fmt.Errorf("adjust: class %d has count %d", c, n)
		}
		total += float64(max(n, 1))
	}
	out := make([]float64, len(counts))
	for c, n := range counts {
		out[c] = math.Log(float64(max(n, 1)) / total)
	}
	return out, nil
}

// Logits adjusts one logit vector in place: z_c -= tau * logPrior_c.
func Logits(z []float32, logPrior []float64, tau float64) {
	for c := range z {
		z[c] = float32(float64(z[c]) - tau*logPrior[c])
	}
}

// Rows adjusts rows in place and recomputes their Pred and Score.
func Rows(rows []predict.Row, logPrior []float64, tau float64) error {
	for _, r := range rows {
		if err := predict.CheckLogits(r, len(logPrior)); err != nil {
			return fmt.Errorf("adjust: %w (the priors have %d classes)", err, len(logPrior))
		}
	}
	par.For(len(rows), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			Logits(rows[i].Logits, logPrior, tau)
			p, s := predict.ArgmaxSoftmax(rows[i].Logits)
			rows[i].Pred, rows[i].Score = int32(p), s
		}
	})
	return nil
}

// Stats is what File did.
type Stats struct {
	Images  int
	Changed int // images whose predicted class changed
}

// File writes the adjusted prediction file in to out, streaming. counts nil
// takes the training counts stored in the file. The output keeps the
// file's metadata and counts and records tau under MetaAdjust.
func File(in, out string, tau float64, counts []int) (*Stats, error) {
	info, err := predict.Stat(in)
	if err != nil {
		return nil, err
	}
	if info.Rows == 0 {
		return nil, fmt.Errorf("adjust: %s has no predictions", in)
	}
	if counts == nil {
		counts = info.Counts
	}
	logPrior, err := LogPriors(counts)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, in)
	}
	if info.Rows > 0 && info.Classes != len(counts) {
		return nil, fmt.Errorf("adjust: %s has %d classes, the counts %d", in, info.Classes, len(counts))
	}
	meta := info.Meta
	rec, _ := json.Marshal(map[string]float64{"tau": tau})
	meta[MetaAdjust] = string(rec)
	st := &Stats{}
	err = predict.WriteEach(out, info.Counts, meta, func(write func([]predict.Row) error) error {
		return predict.Each(in, func(rows []predict.Row) error {
			before := make([]int32, len(rows))
			for i, r := range rows {
				before[i] = r.Pred
			}
			if err := Rows(rows, logPrior, tau); err != nil {
				return err
			}
			for i, r := range rows {
				if r.Pred != before[i] {
					st.Changed++
				}
			}
			st.Images += len(rows)
			return write(rows)
		})
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}
