package reproduce

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/fgia/fgia/fgia/recipe"
)

// predictions are one step's prediction files by split.
type predictions map[string]string

// seedRun is the recipe interpreted for one seed, in OUT/seed-N.
type seedRun struct {
	*pipeline
	seed   int
	dir    string
	preds  map[string]predictions // step -> its prediction files
	runs   map[string]string      // step -> its run folder
	lists  map[string]string      // pseudo step -> its training list
	chosen map[string]string      // select step -> the member it chose
	// details note what a step chose or kept for this seed (its row's
	// detail).
	details map[string]string
}

func (p *pipeline) newSeedRun(seed int) *seedRun {
	return &seedRun{pipeline: p, seed: seed, dir: filepath.Join(p.Out, SeedDir(seed)),
		preds: map[string]predictions{}, runs: map[string]string{}, lists: map[string]string{}, chosen: map[string]string{}}
}

func (s *seedRun) path(rel string) string { return filepath.Join(s.dir, filepath.FromSlash(rel)) }

// run interprets every step in order.
func (s *seedRun) run() error {
	if s.Seeds > 1 {
		s.logf("seed %d of %d", s.seed, s.Seeds)
	}
	for _, st := range s.Recipe.Steps {
		t0 := time.Now()
		status, err := s.step(st)
		if err != nil {
			return fmt.Errorf("step %s (seed %d): %w", st.Name, s.seed, err)
		}
		if err := s.addTiming(st.Name, s.seed, time.Since(t0).Seconds()); err != nil {
			return err
		}
		if !st.IsRow() {
			continue
		}
		if err := s.record(st, status); err != nil {
			return fmt.Errorf("step %s (seed %d): %w", st.Name, s.seed, err)
		}
	}
	return nil
}

// step runs one step and returns its row status ("" when fine).
func (s *seedRun) step(st recipe.Step) (string, error) {
	switch st.Kind {
	case recipe.Pretrain:
		return "", s.pretrain(st)
	case recipe.Finetune, recipe.Distill:
		return s.finetune(st)
	case recipe.TTA:
		f, err := s.predict(st.Name, s.runs[st.From], "flip")
		s.preds[st.Name] = f
		return "", err
	case recipe.Soup:
		return "", s.soup(st)
	case recipe.Ensemble:
		return "", s.ensemble(st)
	case recipe.Pseudo:
		return "", s.pseudoList(st)
	case recipe.Select:
		return "", s.selectBest(st)
	case recipe.Adjust:
		return "", s.adjust(st)
	case recipe.Redistribute:
		return "", s.redistribute(st)
	case recipe.KSweep:
		return "", s.sweepK(st)
	case recipe.Submit:
		return "", s.submit(st)
	}
	return "", fmt.Errorf("reproduce does not run %s steps", st.Kind)
}

// model is the prediction files' base name of a step: a Select step's
// rows point at the member it chose.
func (s *seedRun) model(step string) string {
	if c, ok := s.chosen[step]; ok {
		return c
	}
	return step
}

// predFile is OUT/seed-N/preds/<step>_<split>.parquet.
func (s *seedRun) predFile(step, split string) string {
	return s.path(recipe.PredPath(step, split))
}
