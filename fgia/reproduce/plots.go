package reproduce

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/plotpng"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/redistribute"
	"github.com/fgia/fgia/fgia/report"
	"github.com/fgia/fgia/fgia/score"
	"github.com/fgia/fgia/fgia/table"
)

// Plots under OUT/plots, each written as NAME.png and NAME.svg.
const (
	PlotAblation     = "ablation_testb"
	PlotDeltas       = "deltas_testb"
	PlotDistribution = "class_distribution_testb"
	PlotAccuracy     = "accuracy_vs_frequency_testb"
	PlotKSweep       = "k_sweep"
)

// plots draws the rows with their intervals, the deltas with theirs, and,
// from seed 1, the Test-B class distribution before and after each
// re-distribution, the submission's per-class accuracy against training
// frequency, and the K sweep (mean over seeds, the Test-A choice marked).
func (p *pipeline) plots() error {
	rows, _ := p.aggregate()
	var est, deltas []report.Estimate
	for _, r := range rows {
		est = append(est, report.Estimate{Label: r.Step, Value: r.TestB, Low: r.CILow, High: r.CIHigh, Marked: true})
		if r.Base != "" {
			deltas = append(deltas, report.Estimate{Label: r.Step + " vs " + r.Base, Value: r.Delta,
				Low: r.DeltaCILow, High: r.DeltaCIHigh, Marked: r.Significant()})
		}
	}
	seeds := fmt.Sprintf("mean of %d seed(s)", p.Seeds)
	fig, err := report.Intervals("Test-B top-1 of each row ("+seeds+"; 95% bootstrap intervals)",
		plotpng.Axis{Label: "Test-B top-1", Format: plotpng.Percent}, est, math.NaN())
	if err := p.save(fig, err, PlotAblation); err != nil {
		return err
	}
	if len(deltas) > 0 {
		fig, err := report.Intervals("What each row changes on Test-B (paired 95% intervals; filled: excludes 0)",
			plotpng.Axis{Label: "Δ Test-B top-1", Format: plotpng.Percent}, deltas, 0)
		if err := p.save(fig, err, PlotDeltas); err != nil {
			return err
		}
	}
	seed1 := p.newSeedRun(1)
	if err := p.distributionPlot(seed1); err != nil {
		return err
	}
	if err := p.accuracyPlot(seed1); err != nil {
		return err
	}
	return p.sweepPlot()
}

// save writes a chart as OUT/plots/base.png and .svg, or returns the
// error that kept it from being built.
func (p *pipeline) save(fig *plotpng.Figure, err error, base string) error {
	if err != nil {
		return err
	}
	return fig.Save(filepath.Join(p.Out, PlotsDir), base)
}

// redistributions are the Redistribute steps that post-process the final
// model (the step the last of them reads), and that step.
func (p *pipeline) redistributions() (from string, steps []recipe.Step) {
	for _, st := range p.Recipe.Steps {
		if st.Kind == recipe.Redistribute {
			from = st.From
		}
	}
	for _, st := range p.Recipe.Steps {
		if st.Kind == recipe.Redistribute && st.From == from {
			steps = append(steps, st)
		}
	}
	return from, steps
}

// distributionPlot: predicted images per class on Test-B, classes by
// training frequency, before and after each re-distribution.
func (p *pipeline) distributionPlot(s *seedRun) error {
	from, steps := p.redistributions()
	if from == "" {
		return nil
	}
	order := longtail.ByFrequency(p.counts)
	xs := make([]float64, p.classes)
	byRank := make([]string, p.classes)
	for i, c := range order {
		xs[i], byRank[i] = float64(i), p.names[c]
	}
	var series []plotpng.Series
	for _, st := range append([]recipe.Step{{Name: from}}, steps...) {
		rows, _, err := predict.Read(s.predFile(p.modelOf(s.seed, st.Name), "testb"))
		if err != nil {
			return err
		}
		counts := make([]float64, p.classes)
		for _, r := range rows {
			if int(r.Pred) < p.classes {
				counts[r.Pred]++
			}
		}
		ys := make([]float64, p.classes)
		for i, c := range order {
			ys[i] = counts[c]
		}
		name := st.Name + " (before)"
		if st.Method != "" {
			name = st.Name
		}
		series = append(series, plotpng.Series{Name: name, X: xs, Y: ys})
	}
	u := float64(len(p.labels["testb"])) / float64(p.classes)
	series = append(series, plotpng.Series{Name: "uniform target", X: []float64{0, float64(p.classes - 1)}, Y: []float64{u, u}, Dashed: true})
	fig, err := report.Lines("Test-B predicted images per class (seed 1)",
		plotpng.Axis{Label: "class, by training frequency (most frequent first)", Format: plotpng.Count, Names: byRank},
		plotpng.Axis{Label: "predicted images", Format: plotpng.Count}, series)
	return p.save(fig, err, PlotDistribution)
}

// modelOf is the prediction files' base name of a seed's row.
func (p *pipeline) modelOf(seed int, step string) string {
	if r, ok := p.known[rowKey{step, seed}]; ok {
		return r.Model
	}
	return step
}

// accuracyPlot: the submission's per-class Test-B accuracy against the
// class's training images.
func (p *pipeline) accuracyPlot(s *seedRun) error {
	var sub recipe.Step
	for _, st := range p.Recipe.Steps {
		if st.Kind == recipe.Submit {
			sub = st
		}
	}
	best, bestA := "", -1.0
	for _, m := range sub.Members {
		if r, ok := p.known[rowKey{m, 1}]; ok && r.TestA > bestA {
			best, bestA = r.Model, r.TestA
		}
	}
	if best == "" {
		return nil
	}
	rows, _, err := predict.Read(s.predFile(best, "testb"))
	if err != nil {
		return err
	}
	res, err := score.Score(rows, p.labels["testb"], p.counts)
	if err != nil {
		return err
	}
	fig, err := report.AccuracyVsFrequency("Test-B per-class accuracy of the submission ("+best+", seed 1)", p.names, p.counts, res.PerClass)
	return p.save(fig, err, PlotAccuracy)
}

// sweepPlot: one-pass re-distribution top-1 against K, the mean over
// seeds, per split and method; seed 1's Test-A choice is marked.
func (p *pipeline) sweepPlot() error {
	path := p.outPath(KSweepTable)
	if !exists(path) {
		return nil
	}
	sweep, err := table.Read[SweepRow](path)
	if err != nil {
		return err
	}
	var splits []report.KSweepSplit
	for _, sp := range Splits {
		per := float64(len(p.labels[sp])) / float64(p.classes)
		split := report.KSweepSplit{Name: sp + " (K chosen on Test-A)", PerClass: per}
		for _, method := range []string{recipe.Exclusive, recipe.Champion} {
			sum, n := map[int]float64{}, map[int]int{}
			for _, r := range sweep {
				if r.Split == sp && r.Method == method {
					sum[r.K] += r.Top1
					n[r.K]++
					if r.Chosen && r.Seed == 1 && method == recipe.Champion {
						split.Chosen = r.K
					}
				}
			}
			m := report.KSweepMethod{Name: method}
			for k := range sum {
				m.Points = append(m.Points, redistribute.SweepPoint{K: k, Top1: sum[k] / float64(n[k])})
			}
			slices.SortFunc(m.Points, func(a, b redistribute.SweepPoint) int { return a.K - b.K })
			split.Methods = append(split.Methods, m)
		}
		splits = append(splits, split)
	}
	fig, err := report.KSweep(fmt.Sprintf("One-pass re-distribution: K from 0.6 to 1.1 N/C (mean of %d seed(s))", p.Seeds), splits)
	return p.save(fig, err, PlotKSweep)
}
