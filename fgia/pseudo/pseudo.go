// Package pseudo turns a teacher's predictions on unlabelled test splits
// into hard pseudo-labels and a new annotation list to retrain on, the
// champion's biggest single gain (+3 points). The teacher is any prediction
// file, typically the ensemble's (fgia/ensemble: the mean of the members'
// softmax); an image is kept when the teacher's probability of its label is
// above the threshold (0.5 / 0.4 on Test-A, then 0.475, 0.45, 0.4 over
// three Test-B rounds in the champion's run), and the label is the file's
// Pred (the argmax, or a re-distributed label) with Score as its
// probability.
//
// The new list is the base list (by default DATA/meta/train_clean.txt)
// followed by one "<split>/<image> <label>" line per kept image: paths are
// relative to the data root, as in every list, so the training loader
// (fgia/loader) reads DATA/testa/<image> like any training file and
// dataset.ReadAnnotations accepts the lines. Base lines that already point
// into a pseudo-labelled split (an earlier round's pseudo-labels) are
// dropped, so rounds replace their predecessors instead of stacking them.
package pseudo

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/predict"
)

// Pick is one pseudo-labelled image.
type Pick struct {
	Image string
	Label int
	Prob  float32
}

// Selection is the images a teacher labels confidently.
type Selection struct {
	Split    string // the file's MetaSplit ("" if absent)
	Classes  int
	Images   int // images in the teacher file
	Kept     int
	Labelled int // kept images that have a hidden label
	Correct  int // of those, how many pseudo-labels are right
	Picks    []Pick
}

// Accuracy is Correct / Labelled (0 without labels).
func (s *Selection) Accuracy() float64 {
	if s.Labelled == 0 {
		return 0
	}
	return float64(s.Correct) / float64(s.Labelled)
}

// Select keeps the images of the teacher file whose Score is above
// threshold. labels (image name -> class, may be nil) score the kept
// pseudo-labels.
func Select(teacher string, threshold float64, labels map[string]int) (*Selection, error) {
	if threshold < 0 || threshold >= 1 {
		return nil, fmt.Errorf("pseudo: threshold %g outside [0, 1)", threshold)
	}
	info, err := predict.Stat(teacher)
	if err != nil {
		return nil, err
	}
	s := &Selection{Split: info.Meta[predict.MetaSplit], Classes: info.Classes}
	err = predict.Each(teacher, func(rows []predict.Row) error {
		for _, r := range rows {
			s.Images++
			if float64(r.Score) <= threshold {
				continue
			}
			s.Kept++
			s.Picks = append(s.Picks, Pick{Image: r.Image, Label: int(r.Pred), Prob: r.Score})
			if y, ok := labels[r.Image]; ok {
				s.Labelled++
				if y == int(r.Pred) {
					s.Correct++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Stats is what WriteList wrote.
type Stats struct {
	Base     int // lines kept from the base list
	Replaced int // base lines dropped because they point into a pseudo-labelled split
	Pseudo   int // pseudo-labelled lines added
}

// WriteList writes out: the annotations of the base list, then the
// pseudo-labels of teachers[i] on splits[i] at the threshold. data, if not
// empty, is the data root: every kept image must then be a file of its
// split there. A teacher whose MetaSplit names another split is an error.
func WriteList(out, base, data string, splits, teachers []string, threshold float64) error {
	_, err := Write(out, base, data, splits, teachers, threshold)
	return err
}

// Write is WriteList that also says what it wrote.
func Write(out, base, data string, splits, teachers []string, threshold float64) (*Stats, error) {
	if len(splits) != len(teachers) || len(splits) == 0 {
		return nil, fmt.Errorf("pseudo: %d splits for %d teacher files", len(splits), len(teachers))
	}
	var sels []*Selection
	classes := 0
	for i, t := range teachers {
		s, err := Select(t, threshold, nil)
		if err != nil {
			return nil, err
		}
		if s.Split != "" && s.Split != splits[i] {
			return nil, fmt.Errorf("pseudo: %s predicts split %s, not %s", t, s.Split, splits[i])
		}
		if classes != 0 && s.Classes != 0 && s.Classes != classes {
			return nil, fmt.Errorf("pseudo: %s has %d classes, %s %d", t, s.Classes, teachers[0], classes)
		}
		classes = max(classes, s.Classes)
		if data != "" {
			names, err := dataset.Layout{Root: data}.TestImages(splits[i])
			if err != nil {
				return nil, err
			}
			have := make(map[string]bool, len(names))
			for _, n := range names {
				have[n] = true
			}
			for _, p := range s.Picks {
				if !have[p.Image] {
					return nil, fmt.Errorf("pseudo: %s labels %s, which is not in %s", t, p.Image, filepath.Join(data, splits[i]))
				}
			}
		}
		sels = append(sels, s)
	}
	anns, bad, err := dataset.ReadAnnotations(base, classes)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("pseudo: %d bad lines in the base list, first: %v", len(bad), bad[0])
	}
	st := &Stats{}
	list := make([]dataset.Annotation, 0, len(anns))
	for _, a := range anns {
		replaced := false
		for _, s := range splits {
			if strings.HasPrefix(a.Path, s+"/") {
				replaced = true
			}
		}
		if replaced {
			st.Replaced++
			continue
		}
		list = append(list, a)
	}
	st.Base = len(list)
	for i, s := range sels {
		for _, p := range s.Picks {
			list = append(list, dataset.Annotation{Path: splits[i] + "/" + p.Image, Label: p.Label})
		}
		st.Pseudo += len(s.Picks)
	}
	if err := dataset.WriteAnnotations(out, list); err != nil {
		return nil, err
	}
	return st, nil
}
