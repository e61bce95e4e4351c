// Package sampler decides which training images each epoch visits, in what
// order. Both samplers are deterministic functions of (seed, epoch), so a run
// resumed mid-way sees the same order it would have seen.
package sampler

import (
	"fmt"
	"math/rand/v2"
)

// Sampler yields the indices of the images to visit in one epoch.
type Sampler interface {
	Epoch(epoch int) []int
}

func epochRNG(seed uint64, epoch int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(epoch)*0x9e3779b97f4a7c15+1))
}

// Shuffled visits every image once per epoch in a fresh random order: the
// default, and what the champion used.
type Shuffled struct {
	N    int
	Seed uint64
}

// Epoch returns a permutation of [0, N).
func (s Shuffled) Epoch(epoch int) []int { return epochRNG(s.Seed, epoch).Perm(s.N) }

// ClassBalanced draws a class uniformly, then the next image of that class
// from its own reshuffled cycle, so tail classes are seen as often as head
// classes (the champion tried it without gain; kept for ablations).
type ClassBalanced struct {
	byClass [][]int
	classes []int // classes that have images
	size    int
	seed    uint64
}

// NewClassBalanced builds a sampler over labels (one per image). size is the
// number of draws per epoch; <= 0 means len(labels).
func NewClassBalanced(labels []int, size int, seed uint64) (*ClassBalanced, error) {
	s := &ClassBalanced{size: size, seed: seed}
	if s.size <= 0 {
		s.size = len(labels)
	}
	for i, l := range labels {
		if l < 0 {
			return nil, fmt.Errorf("sampler: image %d has negative label %d", i, l)
		}
		for len(s.byClass) <= l {
			s.byClass = append(s.byClass, nil)
		}
		s.byClass[l] = append(s.byClass[l], i)
	}
	for c, idx := range s.byClass {
		if len(idx) > 0 {
			s.classes = append(s.classes, c)
		}
	}
	if len(s.classes) == 0 {
		return nil, fmt.Errorf("sampler: no labelled images")
	}
	return s, nil
}

// Epoch returns size indices, classes drawn uniformly.
func (s *ClassBalanced) Epoch(epoch int) []int {
	rng := epochRNG(s.seed, epoch)
	cycles := make([][]int, len(s.byClass))
	out := make([]int, s.size)
	for i := range out {
		c := s.classes[rng.IntN(len(s.classes))]
		if len(cycles[c]) == 0 {
			cycles[c] = append([]int(nil), s.byClass[c]...)
			rng.Shuffle(len(cycles[c]), func(a, b int) { cycles[c][a], cycles[c][b] = cycles[c][b], cycles[c][a] })
		}
		out[i] = cycles[c][0]
		cycles[c] = cycles[c][1:]
	}
	return out
}
