package plotpng

import (
	"math"
	"strconv"
	"strings"
)

// Format is how an axis writes its tick labels. Every figure of the kit uses
// these three, so a number reads the same on every axis.
type Format int

const (
	// Number writes plain decimals, as few as the tick step needs.
	Number Format = iota
	// Count writes whole numbers with thousands separators: 12,345.
	Count
	// Percent writes fractions as percent: 0.75 is 75%. Whole percent
	// unless the ticks are closer than one percent apart.
	Percent
)

// Label writes v for an axis whose labelled ticks are step apart (in the
// data's units): with the fewest decimals that tell two neighbouring ticks
// apart, and thousands separators.
func (f Format) Label(v, step float64) string {
	if f == Percent {
		v, step = 100*v, 100*step
	}
	d := 0
	if f != Count {
		d = decimals(step)
	}
	s := group(strconv.FormatFloat(v, 'f', d, 64))
	if s == "-0" || strings.HasPrefix(s, "-0.") && strings.Trim(s[3:], "0") == "" {
		s = s[1:] // rounding left a negative zero
	}
	if f == Percent {
		s += "%"
	}
	return s
}

// decimals is the number of decimals that writes multiples of step exactly
// (0.25 needs two, 5 none), or, for a step no decimal writes exactly (1/12),
// enough to tell two multiples apart.
func decimals(step float64) int {
	step = math.Abs(step)
	if !(step > 0) || math.IsInf(step, 0) {
		return 0
	}
	for d := 0; d <= 6; d++ {
		scaled := step * math.Pow(10, float64(d))
		if scaled >= 1-1e-9 && math.Abs(scaled-math.Round(scaled)) < 1e-6*scaled {
			return d
		}
	}
	return min(max(int(math.Ceil(-math.Log10(step))), 0), 6)
}

// group puts a comma between each group of three digits of the integer part.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}
