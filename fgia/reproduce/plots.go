package reproduce

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/report"
	"github.com/fgia/fgia/fgia/score"
	"github.com/fgia/fgia/fgia/table"
)

// Plot files under OUT/plots.
const (
	PlotAblation     = "ablation_testb.png"
	PlotDeltas       = "deltas_testb.png"
	PlotDistribution = "class_distribution_testb.png"
	PlotAccuracy     = "accuracy_vs_frequency_testb.png"
	PlotKSweep       = "k_sweep.png"
)

// plots draws the rows with their intervals, the deltas with theirs, and,
// from seed 1, the Test-B class distribution before and after each
// re-distribution, the submission's per-class accuracy against training
// frequency, and the K sweep (mean over seeds, the Test-A choice marked).
func (p *pipeline) plots() error {
	rows, _ := p.aggregate()
	var est, deltas []report.Estimate
	for _, r := range rows {
		est = append(est, report.Estimate{Label: r.Step, Value: 100 * r.TestB, Low: 100 * r.CILow, High: 100 * r.CIHigh, Marked: true})
		if r.Base != "" {
			deltas = append(deltas, report.Estimate{Label: r.Step + " vs " + r.Base, Value: 100 * r.Delta,
				Low: 100 * r.DeltaCILow, High: 100 * r.DeltaCIHigh, Marked: r.Significant()})
		}
	}
	seeds := fmt.Sprintf("%d seed(s)", p.Seeds)
	if err := p.writePlot(PlotAblation, func() ([]byte, error) {
		return report.IntervalsPNG("Test-B top-1 by row ("+seeds+", 95% bootstrap intervals)", "Test-B top-1 (%)", est, math.NaN())
	}); err != nil {
		return err
	}
	if len(deltas) > 0 {
		if err := p.writePlot(PlotDeltas, func() ([]byte, error) {
			return report.IntervalsPNG("What each row changes on Test-B (paired 95% intervals; filled: excludes 0)", "Δ Test-B top-1 (points)", deltas, 0)
		}); err != nil {
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

func (p *pipeline) writePlot(name string, render func() ([]byte, error)) error {
	png, err := render()
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(p.Out, PlotsDir, name), png)
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
	order := byFrequency(p.counts)
	xs := make([]float64, p.classes)
	for i := range xs {
		xs[i] = float64(i)
	}
	var series []report.Series
	for _, st := range append([]recipe.Step{{Name: from}}, steps...) {
		f := s.predFile(p.modelOf(s.seed, st.Name), "testb")
		rows, _, err := predict.Read(f)
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
		series = append(series, report.Series{Name: name, X: xs, Y: ys})
	}
	u := float64(len(p.labels["testb"])) / float64(p.classes)
	series = append(series, report.Series{Name: "uniform target", X: []float64{0, float64(p.classes - 1)}, Y: []float64{u, u}})
	return p.writePlot(PlotDistribution, func() ([]byte, error) {
		return report.LinesPNG("Test-B predicted images per class (seed 1)", "class, by training frequency (most frequent first)", "predicted images", series)
	})
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
	if sub.Name == "" {
		return nil
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
	return p.writePlot(PlotAccuracy, func() ([]byte, error) {
		return report.AccuracyVsFrequencyPNG("Test-B per-class accuracy of the submission ("+best+", seed 1)", p.counts, res.PerClass)
	})
}

// sweepPlot: one-pass re-distribution top-1 against K / (N/C), the mean
// over seeds, per split and method; the Test-A choice of seed 1 is named.
func (p *pipeline) sweepPlot() error {
	path := p.outPath(KSweepTable)
	if !exists(path) {
		return nil
	}
	sweep, err := table.Read[SweepRow](path)
	if err != nil {
		return err
	}
	var series []report.Series
	for _, sp := range Splits {
		for _, method := range []string{recipe.Exclusive, recipe.Champion} {
			sum, n := map[float64]float64{}, map[float64]int{}
			chosen := math.NaN()
			for _, r := range sweep {
				if r.Split == sp && r.Method == method {
					sum[r.Frac] += 100 * r.Top1
					n[r.Frac]++
					if r.Chosen && r.Seed == 1 {
						chosen = r.Frac
					}
				}
			}
			var xs, ys []float64
			for f := range sum {
				xs = append(xs, f)
			}
			slices.Sort(xs)
			for _, f := range xs {
				ys = append(ys, sum[f]/float64(n[f]))
			}
			name := fmt.Sprintf("%s, %s", sp, method)
			if !math.IsNaN(chosen) {
				name += fmt.Sprintf(" (Test-A chose %.2f)", chosen)
			}
			series = append(series, report.Series{Name: name, X: xs, Y: ys})
		}
	}
	return p.writePlot(PlotKSweep, func() ([]byte, error) {
		return report.LinesPNG("One-pass re-distribution: K sweep (mean over seeds)", "K / (N/C): classes predicted fewer than K times are topped up to K", "top-1 (%)", series)
	})
}

// byFrequency lists the classes from the most to the least frequent.
func byFrequency(counts []int) []int {
	order := make([]int, len(counts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return counts[b] - counts[a] })
	return order
}
