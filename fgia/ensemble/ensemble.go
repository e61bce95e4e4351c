// Package ensemble combines the prediction files of several models into
// one, as the champion did with 17: each model's logits go through a
// softmax (in float64), and the ensemble probability of class c is
//
//	P_c = sum_i w_i p_ic / sum_i w_i
//
// with w_i = 1 (unweighted) or w_i = (acc_i / min_j acc_j)^power (power 25
// in the champion's solution: at 0.76 accuracy, one point more weighs
// about 1.39 times more). The accuracies are given by the user (leaderboard scores) or
// measured against a labels file (Accuracy).
//
// The output is an ordinary prediction file whose Logits are log P (floored
// at predict.MinLogProb), so softmax(Logits) gives P back and every later
// step (logit adjustment, re-distribution, pseudo-labels, submission) reads
// it like a single model's file; Score is max_c P_c.
//
// Files are aligned by image name, not by row; they must hold the same
// images and the same number of classes. Only the first file is held in
// memory (as the running sum), the others are streamed.
package ensemble

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fgia/fgia/fgia/internal/par"
	"github.com/fgia/fgia/fgia/predict"
)

// DefaultPower is the champion's exponent of the accuracy ratio.
const DefaultPower = 25

// MetaEnsemble is the footer key recording the members and their weights.
const MetaEnsemble = "fgia.ensemble"

// Weights returns w_i = (acc_i / min_j acc_j)^power: the least accurate
// model weighs 1. power 0 gives the unweighted mean.
func Weights(acc []float64, power float64) ([]float64, error) {
	if len(acc) == 0 {
		return nil, fmt.Errorf("ensemble: no accuracies")
	}
	lo := math.Inf(1)
	for i, a := range acc {
		if !(a > 0) || math.IsInf(a, 0) {
			return nil, fmt.Errorf("ensemble: accuracy %d is %g, want > 0", i+1, a)
		}
		lo = min(lo, a)
	}
	w := make([]float64, len(acc))
	for i, a := range acc {
		w[i] = math.Pow(a/lo, power)
		if math.IsInf(w[i], 0) {
			return nil, fmt.Errorf("ensemble: weight (%g/%g)^%g overflows", a, lo, power)
		}
	}
	return w, nil
}

// Accuracy is the top-1 accuracy of the prediction file at path on the
// images that labels (image name -> class, score.ReadLabels) covers: the
// fraction whose Pred is the label, score.Score's Top1, streamed.
func Accuracy(path string, labels map[string]int) (float64, error) {
	var hit, n int
	err := predict.Each(path, func(rows []predict.Row) error {
		for _, r := range rows {
			if y, ok := labels[r.Image]; ok {
				n++
				if int(r.Pred) == y {
					hit++
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fmt.Errorf("ensemble: no image of %s has a label", path)
	}
	return float64(hit) / float64(n), nil
}

// Combine returns the weighted ensemble of the prediction files (weights
// nil: unweighted) as a matrix of log-probabilities in the first file's
// image order; write it with its Write method. The class counts are kept
// when every member has the same ones (else nil: members trained on
// different lists, e.g. pseudo-label rounds), as is MetaSplit when all agree.
func Combine(files []string, weights []float64) (*predict.Matrix, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("ensemble: no prediction files")
	}
	if weights == nil {
		weights = make([]float64, len(files))
		for i := range weights {
			weights[i] = 1
		}
	}
	if len(weights) != len(files) {
		return nil, fmt.Errorf("ensemble: %d weights for %d files", len(weights), len(files))
	}
	var total float64
	for i, w := range weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("ensemble: weight of %s is %g", files[i], w)
		}
		total += w
	}
	if total <= 0 {
		return nil, fmt.Errorf("ensemble: the weights sum to %g", total)
	}
	acc, err := predict.ReadMatrix(files[0])
	if err != nil {
		return nil, err
	}
	if len(acc.Images) == 0 {
		return nil, fmt.Errorf("ensemble: %s has no predictions", files[0])
	}
	index := make(map[string]int, len(acc.Images))
	for i, name := range acc.Images {
		if _, dup := index[name]; dup {
			return nil, fmt.Errorf("ensemble: %s lists image %s twice", files[0], name)
		}
		index[name] = i
	}
	// The running sum sum_i (w_i / W) p_i lives in the first file's matrix.
	w0 := float32(weights[0] / total)
	acc.Softmax()
	for i := range acc.Data {
		acc.Data[i] *= w0
	}
	split, sameSplit := acc.Meta[predict.MetaSplit], true
	unreadable, err := unreadableOf(files[0])
	if err != nil {
		return nil, err
	}
	counts := acc.Counts
	ps := make([][]float64, par.Workers(1<<30))
	for b := range ps {
		ps[b] = make([]float64, acc.Classes)
	}
	at := []int{}
	for f := 1; f < len(files); f++ {
		info, err := predict.Stat(files[f])
		if err != nil {
			return nil, err
		}
		if info.Classes != acc.Classes {
			return nil, fmt.Errorf("ensemble: %s has %d classes, %s has %d", files[f], info.Classes, files[0], acc.Classes)
		}
		if !slices.Equal(info.Counts, counts) {
			counts = nil
		}
		if info.Meta[predict.MetaSplit] != split {
			sameSplit = false
		}
		u, err := predict.ReadUnreadable(info)
		if err != nil {
			return nil, err
		}
		unreadable = append(unreadable, u...)
		wf := weights[f] / total
		seen := make([]bool, len(acc.Images))
		err = predict.Each(files[f], func(rows []predict.Row) error {
			at = at[:0]
			for _, r := range rows {
				i, ok := index[r.Image]
				if !ok {
					return fmt.Errorf("ensemble: %s has image %s, which %s lacks: the files predict different image sets", files[f], r.Image, files[0])
				}
				if seen[i] {
					return fmt.Errorf("ensemble: %s lists image %s twice", files[f], r.Image)
				}
				seen[i] = true
				if err := predict.CheckLogits(r, acc.Classes); err != nil {
					return fmt.Errorf("ensemble: %s: %w", files[f], err)
				}
				at = append(at, i)
			}
			par.Blocks(len(rows), len(ps), func(b, lo, hi int) {
				p := ps[b]
				for j := lo; j < hi; j++ {
					softmax64(rows[j].Logits, p)
					row := acc.Row(at[j])
					for k, v := range p {
						row[k] += float32(wf * v)
					}
				}
			})
			return nil
		})
		if err != nil {
			return nil, err
		}
		for i, ok := range seen {
			if !ok {
				return nil, fmt.Errorf("ensemble: %s lacks image %s of %s: the files predict different image sets", files[f], acc.Images[i], files[0])
			}
		}
	}
	acc.Log()
	acc.Counts = counts
	record, _ := json.Marshal(struct {
		Files   []string  `json:"files"`
		Weights []float64 `json:"weights"`
	}{files, weights})
	acc.Meta = map[string]string{MetaEnsemble: string(record)}
	if sameSplit && split != "" {
		acc.Meta[predict.MetaSplit] = split
	}
	if len(unreadable) > 0 {
		// Every member met the same unreadable images: keep one record each.
		slices.SortFunc(unreadable, func(a, b predict.Unreadable) int { return strings.Compare(a.Image, b.Image) })
		unreadable = slices.CompactFunc(unreadable, func(a, b predict.Unreadable) bool { return a.Image == b.Image })
		b, err := json.Marshal(unreadable)
		if err != nil {
			return nil, err
		}
		acc.Meta[predict.MetaUnreadable] = string(b)
	}
	return acc, nil
}

// unreadableOf reads the unreadable images a prediction file records.
func unreadableOf(file string) ([]predict.Unreadable, error) {
	info, err := predict.Stat(file)
	if err != nil {
		return nil, err
	}
	return predict.ReadUnreadable(info)
}

// softmax64 writes softmax(z) into p, in float64.
func softmax64(z []float32, p []float64) {
	top := z[0]
	for _, v := range z {
		top = max(top, v)
	}
	var sum float64
	for k, v := range z {
		p[k] = math.Exp(float64(v - top))
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
}
