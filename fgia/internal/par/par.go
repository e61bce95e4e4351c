// Package par splits loops over rows among the CPUs: the post-processing
// steps touch 90K x 5000 values and should use every core, without each
// package carrying its own worker pool.
package par

import (
	"runtime"
	"sync"
)

// For runs fn over [0, n) split into one contiguous block [lo, hi) per CPU
// (GOMAXPROCS), and returns when all blocks are done. Blocks are fixed by n
// and the CPU count, so a reduction that combines the blocks in order is
// deterministic for a given machine.
func For(n int, fn func(lo, hi int)) {
	Blocks(n, runtime.GOMAXPROCS(0), func(_, lo, hi int) { fn(lo, hi) })
}

// Blocks runs fn(b, lo, hi) for the blocks b = 0..k-1 of [0, n) in
// parallel, k = min(workers, n) (at least 1).
func Blocks(n, workers int, fn func(b, lo, hi int)) {
	k := max(1, min(workers, n))
	if k == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for b := 0; b < k; b++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(b, b*n/k, (b+1)*n/k)
		}()
	}
	wg.Wait()
}

// Workers is the number of blocks For uses for n items.
func Workers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }
