package reproduce

import (
	"fmt"
	"math"
	"strings"

	"github.com/fgia/fgia/fgia/adjust"
	"github.com/fgia/fgia/fgia/ensemble"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/pseudo"
	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/redistribute"
	"github.com/fgia/fgia/fgia/submit"
	"github.com/fgia/fgia/fgia/table"
)

// each applies f to every split's input and output file, reusing outputs
// that check out.
func (s *seedRun) each(name string, in predictions, f func(split, in, out string) error) (predictions, error) {
	out := predictions{}
	for _, sp := range Splits {
		o := s.predFile(name, sp)
		out[sp] = o
		if s.reusable(o, sp) {
			continue
		}
		if err := f(sp, in[sp], o); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// bestOnTestA is the member with the best Test-A top-1 (the first on
// ties) and that top-1.
func (s *seedRun) bestOnTestA(members []string) (string, float64, error) {
	best, bestAcc := "", -1.0
	for _, m := range members {
		a, err := s.testAAccuracy(m)
		if err != nil {
			return "", 0, err
		}
		if a > bestAcc {
			best, bestAcc = m, a
		}
	}
	return best, bestAcc, nil
}

// testAAccuracy is a step's top-1 on Test-A, the split every choice uses.
func (s *seedRun) testAAccuracy(step string) (float64, error) {
	return ensemble.Accuracy(s.preds[step]["testa"], s.labels["testa"])
}

// ensemble combines the members with the champion's weights (acc_i / min
// acc)^Power from their Test-A accuracy (the public leaderboard's role).
func (s *seedRun) ensemble(st recipe.Step) error {
	acc := make([]float64, len(st.Members))
	for i, m := range st.Members {
		a, err := s.testAAccuracy(m)
		if err != nil {
			return err
		}
		acc[i] = a
	}
	w, err := ensemble.Weights(acc, s.Budget.Power)
	if err != nil {
		return err
	}
	var parts []string
	for i, m := range st.Members {
		parts = append(parts, fmt.Sprintf("%s %.3g", m, w[i]))
	}
	s.setDetail(st.Name, fmt.Sprintf("weights (Test-A acc / min)^%g: %s", s.Budget.Power, strings.Join(parts, ", ")))
	out, err := s.each(st.Name, nil, func(split, _, out string) error {
		files := make([]string, len(st.Members))
		for i, m := range st.Members {
			files[i] = s.preds[m][split]
		}
		mx, err := ensemble.Combine(files, w)
		if err != nil {
			return err
		}
		return mx.Write(out, nil)
	})
	s.preds[st.Name] = out
	return err
}

// pseudoList writes the cleaned list plus the teacher's confident test
// images and notes how many it kept and how many of those are right.
func (s *seedRun) pseudoList(st recipe.Step) error {
	list := s.path(recipe.ListPath(st.Name))
	s.lists[st.Name] = list
	var kept, right, total int
	teachers := make([]string, len(st.Splits))
	for i, sp := range st.Splits {
		teachers[i] = s.preds[st.From][sp]
		// Counted from the teacher even when the list exists, so the note
		// is the same on a resumed reproduction.
		sel, err := pseudo.Select(teachers[i], st.Threshold, s.labels[sp])
		if err != nil {
			return err
		}
		kept, right, total = kept+sel.Kept, right+sel.Correct, total+sel.Images
	}
	s.setDetail(st.Name, fmt.Sprintf("%d of %d %s images kept, %.1f%% right", kept, total, strings.Join(st.Splits, "+"),
		100*float64(right)/math.Max(float64(kept), 1)))
	if _, _, err := readList(list); err == nil {
		return nil
	}
	return pseudo.WriteList(list, s.cleanList(), s.Data, st.Splits, teachers, st.Threshold)
}

// selectBest picks the member with the best Test-A top-1.
func (s *seedRun) selectBest(st recipe.Step) error {
	best, bestAcc, err := s.bestOnTestA(st.Members)
	if err != nil {
		return err
	}
	s.chosen[st.Name] = s.model(best)
	s.preds[st.Name] = s.preds[best]
	s.setDetail(st.Name, fmt.Sprintf("chose %s (Test-A %.2f%%)", best, 100*bestAcc))
	return nil
}

// adjust applies post-hoc logit adjustment with the training counts the
// prediction file carries.
func (s *seedRun) adjust(st recipe.Step) error {
	out, err := s.each(st.Name, s.preds[st.From], func(_, in, out string) error {
		_, err := adjust.File(in, out, st.Tau, nil)
		return err
	})
	s.preds[st.Name] = out
	return err
}

// redistribute re-balances both splits with the step's method. One-pass
// methods take K as a fraction of N/C: the step's, or the one that scores
// best on Test-A.
func (s *seedRun) redistribute(st recipe.Step) error {
	frac := st.KFrac
	champion := st.Method == recipe.Champion
	if frac == 0 && st.Method != recipe.Sinkhorn && len(st.K) == 0 {
		m, err := predict.ReadProbabilities(s.preds[st.From]["testa"])
		if err != nil {
			return err
		}
		if frac, _, err = redistribute.ChooseKFrac(m, redistribute.Truth(m.Images, s.labels["testa"]), champion); err != nil {
			return err
		}
	}
	var ks []string
	out, err := s.each(st.Name, s.preds[st.From], func(split, in, out string) error {
		m, err := predict.ReadProbabilities(in)
		if err != nil {
			return err
		}
		k := st.K[split]
		if k == 0 {
			k = redistribute.KFor(frac, len(m.Images), m.Classes)
		}
		method, err := redistribute.NewMethod(st.Method, k)
		if err != nil {
			return err
		}
		labels := method.Labels(m)
		m.Log()
		return m.Write(out, labels)
	})
	if st.Method != recipe.Sinkhorn {
		for _, sp := range Splits {
			n := len(s.labels[sp])
			ks = append(ks, fmt.Sprintf("%s K %d", sp, redistribute.KFor(frac, n, s.classes)))
		}
		s.setDetail(st.Name, fmt.Sprintf("K = %.2f N/C chosen on Test-A (%s)", frac, strings.Join(ks, ", ")))
	}
	s.preds[st.Name] = out
	return err
}

// SweepRow is one point of the K sweep.
type SweepRow struct {
	Seed   int     `parquet:"seed"`
	Split  string  `parquet:"split"`
	Method string  `parquet:"method"` // "exclusive" (fgia's one pass) or "champion" (their script's)
	Frac   float64 `parquet:"k_frac"` // K / (N/C)
	Chosen bool    `parquet:"chosen"` // the fraction that scores best on Test-A
	redistribute.SweepPoint
}

// sweepK scores one-pass re-distribution for K from 0.6 to 1.1 N/C on
// both splits, marking the fraction Test-A chooses; the rows of every
// seed go to OUT/k_sweep.parquet.
func (s *seedRun) sweepK(st recipe.Step) error {
	var rows []SweepRow
	for _, champion := range []bool{false, true} {
		method := map[bool]string{false: recipe.Exclusive, true: recipe.Champion}[champion]
		var chosen float64
		for _, sp := range Splits {
			m, err := predict.ReadProbabilities(s.preds[st.From][sp])
			if err != nil {
				return err
			}
			truth := redistribute.Truth(m.Images, s.labels[sp])
			fracs := redistribute.SweepFracs()
			ks := make([]int, len(fracs))
			for i, f := range fracs {
				ks[i] = redistribute.KFor(f, len(m.Images), m.Classes)
			}
			pts, err := redistribute.SweepK(m, truth, ks, champion)
			if err != nil {
				return err
			}
			if sp == "testa" {
				best := 0
				for i, pt := range pts {
					if pt.Top1 > pts[best].Top1 {
						best = i
					}
				}
				chosen = fracs[best]
			}
			for i, pt := range pts {
				rows = append(rows, SweepRow{Seed: s.seed, Split: sp, Method: method, Frac: fracs[i], Chosen: fracs[i] == chosen, SweepPoint: pt})
			}
		}
	}
	return s.mergeSweep(rows)
}

// mergeSweep replaces this seed's rows of OUT/k_sweep.parquet.
func (s *seedRun) mergeSweep(rows []SweepRow) error {
	path := s.outPath(KSweepTable)
	var keep []SweepRow
	if exists(path) {
		old, err := table.Read[SweepRow](path)
		if err == nil {
			for _, r := range old {
				if r.Seed != s.seed {
					keep = append(keep, r)
				}
			}
		}
	}
	return table.Write(path, append(keep, rows...))
}

// submit writes the submissions of the member best on Test-A (seed 1's
// also at the top of OUT).
func (s *seedRun) submit(st recipe.Step) error {
	best, bestAcc, err := s.bestOnTestA(st.Members)
	if err != nil {
		return err
	}
	s.logf("seed %d: submission from %s (Test-A %.2f%%)", s.seed, best, 100*bestAcc)
	for _, sp := range Splits {
		for _, out := range s.submissionFiles(sp) {
			if _, err := submit.WriteWith(s.preds[best][sp], out, submit.Options{Data: s.Data, Split: sp}); err != nil {
				return err
			}
		}
	}
	return nil
}
