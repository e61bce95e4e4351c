// Package submit writes a competition submission from a prediction file:
// submission_<split>.csv with the header "image,label" and one row per test
// image, sorted by image name, the label being the file's Pred (after any
// re-distribution). The file must predict exactly the images of the
// split's folder, each once, with classes the data set has; images the
// prediction could not read (predict.MetaUnreadable) get the most
// frequent predicted label and are named in the result, so a submission
// is always complete and the problem visible. Labels are the integer class
// indices of the annotation lists; LabelFormat "%04d" writes them as the
// competition's zero-padded class folder names instead.
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
	// LabelFormat formats a label (default "%d"): one integer verb.
	LabelFormat string
	// Data and Split: the file must predict exactly the images of
	// DATA/<split>, with labels below the data's number of classes.
	Data, Split string
}

// Result is what a submission holds.
type Result struct {
	Rows int
	// Filled are the images that could not be read, labelled FillLabel.
	Filled    []string
	FillLabel int32
}

// Name is the file name of a split's submission.
func Name(split string) string { return "submission_" + split + ".csv" }

// CheckFormat accepts a label format with exactly one integer verb.
func CheckFormat(format string) error {
	if s := fmt.Sprintf(format, int32(7)); strings.Contains(s, "%!") || s == fmt.Sprintf(format, int32(8)) {
		return fmt.Errorf("submit: label format %q: want one integer verb, e.g. %%d or %%04d", format)
	}
	return nil
}

// WriteWith writes the submission for the prediction file pred to out
// (CSV, atomically).
func WriteWith(pred, out string, o Options) (*Result, error) {
	if o.LabelFormat == "" {
		o.LabelFormat = "%d"
	}
	if err := CheckFormat(o.LabelFormat); err != nil {
		return nil, err
	}
	if o.Data == "" || o.Split == "" {
		return nil, fmt.Errorf("submit: the data folder and split are needed to check that every test image has exactly one row")
	}
	layout := dataset.Layout{Root: o.Data}
	classes, err := layout.NumClasses()
	if err != nil {
		return nil, err
	}
	info, err := predict.Stat(pred)
	if err != nil {
		return nil, err
	}
	if info.Classes != 0 && info.Classes != classes {
		return nil, fmt.Errorf("submit: %s has %d classes, %s has %d", pred, info.Classes, o.Data, classes)
	}
	bad, err := predict.ReadUnreadable(info)
	if err != nil {
		return nil, err
	}
	unreadable := map[string]bool{}
	for _, u := range bad {
		unreadable[u.Image] = true
	}
	type entry struct {
		image string
		label int32
	}
	var rows []entry
	votes := make([]int, classes)
	err = predict.Each(pred, func(batch []predict.Row) error {
		for _, r := range batch { // predict.Each checked each row: a class in range, each image once
			rows = append(rows, entry{r.Image, r.Pred})
			if !unreadable[r.Image] {
				votes[r.Pred]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b entry) int { return strings.Compare(a.image, b.image) })
	names, err := layout.TestImages(o.Split)
	if err != nil {
		return nil, err
	}
	// Both lists are sorted: walk them together.
	for i, j := 0, 0; i < len(rows) || j < len(names); i, j = i+1, j+1 {
		switch {
		case j == len(names) || (i < len(rows) && rows[i].image < names[j]):
			return nil, fmt.Errorf("submit: %s predicts %s, which is not an image of %s", pred, rows[i].image, o.Split)
		case i == len(rows) || names[j] < rows[i].image:
			return nil, fmt.Errorf("submit: %s has no prediction for %s/%s", pred, o.Split, names[j])
		}
	}
	res := &Result{Rows: len(rows), FillLabel: int32(slices.Index(votes, slices.Max(votes)))}
	for i, r := range rows {
		if unreadable[r.image] {
			rows[i].label = res.FillLabel
			res.Filled = append(res.Filled, r.image)
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
	return res, err
}
