// Package longtail describes how unevenly a training set covers its classes:
// per-class counts, the head / medium / tail split used to report accuracy by
// class frequency, and the sorted class-frequency plot.
package longtail

import (
	"fmt"
	"slices"
)

// Band names a class's frequency band.
type Band string

const (
	Head   Band = "head"
	Medium Band = "medium"
	Tail   Band = "tail"
)

// Count returns the number of labels of each class in [0, numClasses).
// Labels outside that range are ignored.
func Count(labels []int, numClasses int) []int {
	c := make([]int, numClasses)
	for _, l := range labels {
		if l >= 0 && l < numClasses {
			c[l]++
		}
	}
	return c
}

// ByFrequency lists the classes from the most to the least frequent (ties
// in class order): the order of the class-frequency plot and of the bands.
func ByFrequency(counts []int) []int {
	order := make([]int, len(counts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return counts[b] - counts[a] })
	return order
}

// Bands splits classes into thirds by frequency rank: the most frequent third
// is the head, the least frequent third the tail. Rank thirds (rather than
// fixed thresholds such as ImageNet-LT's 100/20) work for any data set size.
// Ties are broken by class id so the split is deterministic.
func Bands(counts []int) []Band {
	order := ByFrequency(counts)
	out := make([]Band, len(counts))
	n := len(counts)
	for r, c := range order {
		switch {
		case 3*r < n:
			out[c] = Head
		case 3*r < 2*n:
			out[c] = Medium
		default:
			out[c] = Tail
		}
	}
	return out
}

// Group is the share of classes and images in one band.
type Group struct {
	Band    Band
	Classes int
	Images  int
	Share   float64 // of all images
}

// Stats summarises a class-count vector.
type Stats struct {
	Classes, Images int
	Min, Max        int
	Mean            float64
	Imbalance       float64 // max / min (min clamped to 1)
	Empty           int     // classes without any image
	Groups          []Group // head, medium, tail
}

// Describe computes Stats; bands come from Bands(counts).
func Describe(counts []int) Stats {
	s := Stats{Classes: len(counts)}
	if len(counts) == 0 {
		return s
	}
	s.Min, s.Max = counts[0], counts[0]
	for _, c := range counts {
		s.Images += c
		s.Min, s.Max = min(s.Min, c), max(s.Max, c)
		if c == 0 {
			s.Empty++
		}
	}
	s.Mean = float64(s.Images) / float64(len(counts))
	s.Imbalance = float64(s.Max) / float64(max(s.Min, 1))
	bands := Bands(counts)
	for _, b := range []Band{Head, Medium, Tail} {
		g := Group{Band: b}
		for c, cb := range bands {
			if cb == b {
				g.Classes++
				g.Images += counts[c]
			}
		}
		if s.Images > 0 {
			g.Share = float64(g.Images) / float64(s.Images)
		}
		s.Groups = append(s.Groups, g)
	}
	return s
}

// String is a one-line summary.
func (s Stats) String() string {
	return fmt.Sprintf("%d images in %d classes (min %d, mean %.1f, max %d, imbalance %.1f)", s.Images, s.Classes, s.Min, s.Mean, s.Max, s.Imbalance)
}
