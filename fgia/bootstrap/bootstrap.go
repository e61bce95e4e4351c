// Package bootstrap gives accuracies their 95% intervals by resampling
// test images with replacement: an interval for one row, and a paired one
// for the difference of two rows, where both are scored on the same
// resampled images (the noise of which images happen to be in the test set
// cancels, so real differences show up with far narrower intervals than two
// separate intervals suggest). With several seeds, a row's value on a
// resample is its mean over seeds, so the interval covers test-set sampling
// only; the seeds' spread is reported beside it.
package bootstrap

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Correct is one row's per-image correctness: Correct[seed][image], every
// seed over the same images in the same order.
type Correct [][]bool

// Resamples is the default number of resamples.
const Resamples = 2000

// Interval is a percentile interval.
type Interval struct{ Low, High float64 }

// Excludes reports whether v lies outside the interval.
func (iv Interval) Excludes(v float64) bool { return v < iv.Low || v > iv.High }

// Sampler draws the same resamples for every row it scores, so that row
// and delta intervals agree with each other.
type Sampler struct {
	images int
	counts [][]int32 // counts[r][i]: how often image i is in resample r
}

// NewSampler draws n resamples of images test images from seed.
func NewSampler(images, n int, seed uint64) *Sampler {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	s := &Sampler{images: images, counts: make([][]int32, n)}
	for r := range s.counts {
		c := make([]int32, images)
		for j := 0; j < images; j++ {
			c[rng.IntN(images)]++
		}
		s.counts[r] = c
	}
	return s
}

// Mean is the row's accuracy: the mean over seeds of the share correct.
func (c Correct) Mean() float64 {
	var sum float64
	for _, seed := range c {
		n := 0
		for _, ok := range seed {
			if ok {
				n++
			}
		}
		sum += float64(n) / float64(len(seed))
	}
	return sum / float64(len(c))
}

func (s *Sampler) check(rows ...Correct) error {
	for _, c := range rows {
		if len(c) == 0 {
			return fmt.Errorf("bootstrap: a row with no seeds")
		}
		for _, seed := range c {
			if len(seed) != s.images {
				return fmt.Errorf("bootstrap: %d images in a row, the sampler has %d", len(seed), s.images)
			}
		}
	}
	return nil
}

// stats returns the row's value on every resample.
func (s *Sampler) stats(c Correct) []float64 {
	out := make([]float64, len(s.counts))
	for r, counts := range s.counts {
		var sum float64
		for _, seed := range c {
			hit := 0
			for i, ok := range seed {
				if ok {
					hit += int(counts[i])
				}
			}
			sum += float64(hit) / float64(s.images)
		}
		out[r] = sum / float64(len(c))
	}
	return out
}

// Accuracy is the 95% interval of a row's accuracy.
func (s *Sampler) Accuracy(c Correct) (Interval, error) {
	if err := s.check(c); err != nil {
		return Interval{}, err
	}
	return percentiles(s.stats(c)), nil
}

// Delta is the paired 95% interval of a's accuracy minus b's.
func (s *Sampler) Delta(a, b Correct) (Interval, error) {
	if err := s.check(a, b); err != nil {
		return Interval{}, err
	}
	sa, sb := s.stats(a), s.stats(b)
	for i := range sa {
		sa[i] -= sb[i]
	}
	return percentiles(sa), nil
}

// percentiles is the 2.5th and 97.5th percentile.
func percentiles(v []float64) Interval {
	slices.Sort(v)
	at := func(q float64) float64 {
		pos := q * float64(len(v)-1)
		lo := int(pos)
		hi := min(lo+1, len(v)-1)
		f := pos - float64(lo)
		return v[lo]*(1-f) + v[hi]*f
	}
	return Interval{Low: at(0.025), High: at(0.975)}
}
