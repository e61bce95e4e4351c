package backend

import "testing"

// A 64 MB block, written, freed and allocated again, is served from the
// memory the first one used: no page faults the second time with the heap
// kept, against one per page (16384) with glibc's defaults, which unmap it
// on free (run with FGIA_HEAP=off to see that side).
func TestHeapReusesLargeBlocks(t *testing.T) {
	const size = 64 << 20
	faults := reusedBlockFaults(size)
	t.Logf("heap kept %v: %d page faults writing a reused %d MB block", HeapKept(), faults, size>>20)
	if !HeapKept() {
		if faults >= 0 && faults < size/4096/2 {
			t.Errorf("with glibc's defaults the block faulted only %d times; the test no longer shows the difference", faults)
		}
		t.Skip("heap setting off (FGIA_HEAP=off, or no glibc/cgo)")
	}
	if faults < 0 || faults > 100 {
		t.Errorf("the reused 64 MB block page-faulted %d times; want (nearly) none", faults)
	}
}
