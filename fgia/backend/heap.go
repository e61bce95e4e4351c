package backend

// EnvHeap names the environment variable that leaves glibc's malloc at its
// defaults when "off" (see HeapKept), for comparing with them.
const EnvHeap = "FGIA_HEAP"

// XLA's CPU plugin allocates every buffer of an execution with malloc and
// frees it when the execution ends: the temporary buffer of a ViT-S/16
// training step at batch 16 alone is 1.5 GB. glibc serves such blocks with
// a fresh mmap (threads other than the main one allocate from arenas that
// cannot hold them) and unmaps them on free, so every step page-faults its
// whole working set in again and the kernel zeroes it: about two million
// faults in a short ViT-S/16 run here, and a tenth of the training step's
// CPU time spent in the kernel clearing pages.
//
// Every program linking this package therefore sets glibc's malloc, when
// it starts and before any thread allocates, to keep that memory: one
// arena for all threads, no mmap for large blocks (they come from the main
// heap, where freed memory is reused) and no trimming of the heap's top.
// Memory then goes back to the system only when the process ends, which
// suits processes that train or predict and exit. The setting has to be in
// place before the first thread allocates (glibc fixes the number of
// arenas then), so it is made by a C constructor (heap_glibc.go), and
// FGIA_HEAP=off, read by it, is the only way to skip it.

// HeapKept says whether the heap setting is in effect in this process: it
// is unless FGIA_HEAP=off, or the program was built without cgo or for a
// system without glibc.
func HeapKept() bool { return heapKept() }
