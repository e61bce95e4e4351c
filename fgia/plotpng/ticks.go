package plotpng

import (
	"math"

	"gonum.org/v1/plot"
)

// maxMajorTicks bounds the labelled ticks of a linear axis: more crowd a
// 4-inch axis at 10 pt.
const maxMajorTicks = 7

// LinearTicks labels a linear axis at a step of 1, 2 or 5 times a power of
// ten, with a minor tick halfway.
type LinearTicks struct {
	Format Format
}

// Ticks implements plot.Ticker.
func (t LinearTicks) Ticks(lo, hi float64) []plot.Tick {
	step := t.Step(lo, hi)
	var ticks []plot.Tick
	for i := math.Ceil(lo/step*2 - 1e-9); i/2*step <= hi+1e-9*step; i++ {
		v := i / 2 * step
		tick := plot.Tick{Value: v}
		if math.Mod(i, 2) == 0 {
			tick.Label = t.Format.Label(v, step)
		}
		ticks = append(ticks, tick)
	}
	return ticks
}

// Step is the distance between labelled ticks over [lo, hi]: the smallest
// nice step that gives at most maxMajorTicks, never below one for counts,
// and whole percent when that still labels three ticks.
func (t LinearTicks) Step(lo, hi float64) float64 {
	span := hi - lo
	if !(span > 0) {
		return 1
	}
	step := niceStep(span / maxMajorTicks)
	switch {
	case t.Format == Count && step < 1:
		step = 1
	case t.Format == Percent && step < 0.01 && labelled(lo, hi, 0.01) >= 3:
		step = 0.01
	}
	return step
}

// labelled counts the multiples of step in [lo, hi].
func labelled(lo, hi, step float64) int {
	return int(math.Floor(hi/step+1e-9) - math.Ceil(lo/step-1e-9) + 1)
}

// niceStep is the smallest of 1, 2 and 5 times a power of ten at least x.
func niceStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// LogTicks marks a logarithmic axis so that it always has at least three
// labels: powers of ten when the range spans more than two and a half
// decades, else 1, 2 and 5 of each decade, else every digit; unlabelled
// minor ticks at every other digit. A range narrower than that gets linear
// labels.
type LogTicks struct {
	Format Format
}

// Ticks implements plot.Ticker.
func (t LogTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return LinearTicks(t).Ticks(lo, hi)
	}
	mantissas := [][]float64{{1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}
	if math.Log10(hi/lo) > 2.5 {
		mantissas = append([][]float64{{1}}, mantissas...)
	}
	for _, labelled := range mantissas {
		ticks, n := t.decades(lo, hi, labelled)
		if n >= 3 {
			return ticks
		}
	}
	return LinearTicks(t).Ticks(lo, hi)
}

// decades lists every digit times a power of ten in [lo, hi], labelling the
// given mantissas, and counts the labels.
func (t LogTicks) decades(lo, hi float64, labelled []float64) ([]plot.Tick, int) {
	var ticks []plot.Tick
	n := 0
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for m := 1.0; m <= 9; m++ {
			v := m * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			tick := plot.Tick{Value: v}
			for _, l := range labelled {
				if m == l {
					tick.Label = t.Format.Label(v, p)
					n++
				}
			}
			ticks = append(ticks, tick)
		}
	}
	return ticks, n
}

// NamedTicks labels the integer positions 0, 1, ... with names (classes,
// steps), one tick each.
type NamedTicks []string

// Ticks implements plot.Ticker.
func (t NamedTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for i, name := range t {
		if v := float64(i); v >= lo && v <= hi {
			ticks = append(ticks, plot.Tick{Value: v, Label: name})
		}
	}
	return ticks
}
