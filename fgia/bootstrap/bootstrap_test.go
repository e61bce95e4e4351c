package bootstrap

import (
	"math"
	"math/rand/v2"
	"testing"
)

// rowAt makes a row of n images where the given share is correct,
// scattered by seed.
func rowAt(n int, share float64, seed uint64) []bool {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]bool, n)
	for i := range out {
		out[i] = rng.Float64() < share
	}
	return out
}

// TestIntervalWidth checks the interval against the normal approximation
// sqrt(p(1-p)/n): at 6000 images and 65% it is about +-1.2 points.
func TestIntervalWidth(t *testing.T) {
	const n = 6000
	s := NewSampler(n, Resamples, 1)
	row := Correct{rowAt(n, 0.65, 2)}
	iv, err := s.Accuracy(row)
	if err != nil {
		t.Fatal(err)
	}
	p := row.Mean()
	half := 1.96 * math.Sqrt(p*(1-p)/n)
	if got := (iv.High - iv.Low) / 2; math.Abs(got-half) > 0.15*half {
		t.Errorf("half-width %.4f, normal approximation %.4f", got, half)
	}
	if iv.Excludes(p) {
		t.Errorf("interval %+v excludes the point estimate %.4f", iv, p)
	}
}

// TestPairedDelta: a row that fixes 1% of another row's errors and breaks
// nothing gains 1 point; the paired interval excludes 0 while the two
// separate intervals overlap.
func TestPairedDelta(t *testing.T) {
	const n = 6000
	base := rowAt(n, 0.65, 3)
	better := append([]bool(nil), base...)
	fixed := 0
	for i := range better {
		if !better[i] && fixed < n/100 {
			better[i], fixed = true, fixed+1
		}
	}
	s := NewSampler(n, Resamples, 4)
	d, err := s.Delta(Correct{better}, Correct{base})
	if err != nil {
		t.Fatal(err)
	}
	if d.Low <= 0 || !d.Excludes(0) || d.Excludes(0.01) {
		t.Errorf("paired delta %+v: want an interval around +0.01 excluding 0", d)
	}
	a, _ := s.Accuracy(Correct{better})
	b, _ := s.Accuracy(Correct{base})
	if a.Low > b.High {
		t.Errorf("separate intervals %+v and %+v do not overlap: the paired test is not needed here", a, b)
	}
	// A row against itself: exactly zero.
	if z, _ := s.Delta(Correct{base}, Correct{base}); z.Low != 0 || z.High != 0 {
		t.Errorf("delta against itself %+v", z)
	}
}

// TestSeedsAverage: with two seeds the row value is their mean.
func TestSeedsAverage(t *testing.T) {
	all := []bool{true, true, true, true}
	none := []bool{false, false, false, false}
	c := Correct{all, none}
	if c.Mean() != 0.5 {
		t.Errorf("mean %g", c.Mean())
	}
	s := NewSampler(4, 200, 5)
	iv, _ := s.Accuracy(c)
	if iv.Low != 0.5 || iv.High != 0.5 {
		t.Errorf("interval %+v: every resample of a seed pair {all, none} is 0.5", iv)
	}
	if _, err := s.Accuracy(Correct{{true}}); err == nil {
		t.Error("a row of the wrong length was accepted")
	}
}
