// Package submit writes a competition submission from a prediction file:
// submission_<split>.csv with the header "image,label" and one row per test
// image, sorted by image name, the label being the file's Pred (after any
// re-distribution). Labels are the integer class indices of the annotation
// lists; LabelFormat "%04d" writes them as the competition's zero-padded
// class folder names instead.
package submit

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/predict"
)

// Options of a submission.
type Options struct {
	// LabelFormat formats a label (default "%d").
	LabelFormat string
	// Data and Split, when set, make Write check that the file predicts
	// exactly the images of DATA/<split>, no more and no fewer.
	Data, Split string
}

// Name is the file name of a split's submission.
func Name(split string) string { return "submission_" + split + ".csv" }

// Write writes the submission for the prediction file pred to out (CSV,
// atomically) with the default options.
func Write(pred, out string) error {
	_, err := WriteWith(pred, out, Options{})
	return err
}

// WriteWith writes the submission and returns its number of rows.
func WriteWith(pred, out string, o Options) (int, error) {
	if o.LabelFormat == "" {
		o.LabelFormat = "%d"
	}
	type entry struct {
		image string
		label int32
	}
	var rows []entry
	err := predict.Each(pred, func(batch []predict.Row) error {
		for _, r := range batch {
			rows = append(rows, entry{r.Image, r.Pred})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.SortFunc(rows, func(a, b entry) int { return strings.Compare(a.image, b.image) })
	for i := 1; i < len(rows); i++ {
		if rows[i].image == rows[i-1].image {
			return 0, fmt.Errorf("submit: %s predicts %s twice", pred, rows[i].image)
		}
	}
	if o.Data != "" {
		names, err := dataset.Layout{Root: o.Data}.TestImages(o.Split)
		if err != nil {
			return 0, err
		}
		// Both lists are sorted: walk them together.
		i, j := 0, 0
		for i < len(rows) || j < len(names) {
			switch {
			case j == len(names) || (i < len(rows) && rows[i].image < names[j]):
				return 0, fmt.Errorf("submit: %s predicts %s, which is not an image of %s", pred, rows[i].image, o.Split)
			case i == len(rows) || names[j] < rows[i].image:
				return 0, fmt.Errorf("submit: %s has no prediction for %s/%s", pred, o.Split, names[j])
			}
			i, j = i+1, j+1
		}
	}
	err = atomicfile.Write(out, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		cw := csv.NewWriter(bw)
		if err := cw.Write([]string{"image", "label"}); err != nil {
			return err
		}
		for _, r := range rows {
			if err := cw.Write([]string{r.image, fmt.Sprintf(o.LabelFormat, r.label)}); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	})
	return len(rows), err
}
