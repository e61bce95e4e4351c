package par

import (
	"sync/atomic"
	"testing"
)

func TestBlocksCoverOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 5, 1000} {
		for _, w := range []int{1, 2, 3, 8} {
			hits := make([]atomic.Int32, n)
			blocks := make([]atomic.Int32, max(1, min(w, n)))
			Blocks(n, w, func(b, lo, hi int) {
				blocks[b].Add(1)
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			})
			for i := range hits {
				if hits[i].Load() != 1 {
					t.Fatalf("n %d workers %d: item %d visited %d times", n, w, i, hits[i].Load())
				}
			}
			for b := range blocks {
				if blocks[b].Load() != 1 {
					t.Fatalf("n %d workers %d: block %d ran %d times", n, w, b, blocks[b].Load())
				}
			}
		}
	}
	var sum atomic.Int64
	For(100, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sum.Add(int64(i))
		}
	})
	if sum.Load() != 4950 {
		t.Errorf("For: sum %d", sum.Load())
	}
}
