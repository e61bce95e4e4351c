package reproduce

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/recipe"
)

// reusable says whether an existing prediction file can be reused: it
// reads whole, covers exactly the split's images and has the data's
// classes. A damaged one is removed (to be made again) and the log says
// why.
func (s *seedRun) reusable(path, split string) bool {
	if !exists(path) {
		return false
	}
	err := s.checkPredictions(path, split)
	if err == nil {
		return true
	}
	s.logf("%s is unusable (%v); making it again", s.rel(path), err)
	os.Remove(path)
	return false
}

func (p *pipeline) checkPredictions(path, split string) error {
	m, err := predict.ReadMatrix(path)
	if err != nil {
		return err
	}
	if m.Classes != p.classes {
		return fmt.Errorf("%d classes, the data has %d", m.Classes, p.classes)
	}
	names, err := p.splitImages(split)
	if err != nil {
		return err
	}
	got := slices.Clone(m.Images)
	slices.Sort(got)
	if !slices.Equal(got, names) {
		return fmt.Errorf("%d images, not the %d of %s", len(got), len(names), split)
	}
	return nil
}

// splitImages lists a test split's images, sorted (cached).
func (p *pipeline) splitImages(split string) ([]string, error) {
	if names, ok := p.images[split]; ok {
		return names, nil
	}
	names, err := dataset.Layout{Root: p.Data}.TestImages(split)
	if err != nil {
		return nil, err
	}
	p.images[split] = names
	return names, nil
}

// readList reads a training list written by a step; a damaged one is an
// error.
func readList(path string) ([]dataset.Annotation, int, error) {
	anns, bad, err := dataset.ReadAnnotations(path, 0)
	if err != nil {
		return nil, 0, err
	}
	if len(bad) > 0 || len(anns) == 0 {
		return nil, len(bad), fmt.Errorf("%s: %d lines, %d bad", path, len(anns), len(bad))
	}
	return anns, 0, nil
}

// rel is path relative to OUT, for messages.
func (p *pipeline) rel(path string) string {
	if r, err := filepath.Rel(p.Out, path); err == nil {
		return r
	}
	return path
}

// outPath is a file directly under OUT.
func (p *pipeline) outPath(name string) string { return filepath.Join(p.Out, name) }

// submissionFiles are where a seed's submission of split goes: its own
// folder, and for seed 1 also the top of OUT.
func (s *seedRun) submissionFiles(split string) []string {
	files := []string{s.path(recipe.SubmissionPath(split))}
	if s.seed == 1 {
		files = append(files, s.outPath(recipe.SubmissionPath(split)))
	}
	return files
}
