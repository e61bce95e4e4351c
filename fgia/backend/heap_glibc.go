//go:build linux && cgo

package backend

/*
#define _GNU_SOURCE // RUSAGE_THREAD
#include <malloc.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/resource.h>

static int fgia_heap_kept;

// Runs when the program is loaded, before the Go runtime starts a thread.
__attribute__((constructor)) static void fgia_keep_heap(void) {
	const char *v = getenv("FGIA_HEAP");
	if (v != NULL && strcasecmp(v, "off") == 0) {
		return;
	}
	fgia_heap_kept = mallopt(M_ARENA_MAX, 1) == 1 &&
	                 mallopt(M_MMAP_MAX, 0) == 1 &&
	                 mallopt(M_TRIM_THRESHOLD, -1) == 1; // -1: never trim
}

static int fgia_heap_is_kept(void) { return fgia_heap_kept; }

// The minor page faults of writing every page of a fresh n-byte block,
// after a block of the same size was written and freed: the cost of the
// second step's buffers.
static long fgia_reused_block_faults(size_t n) {
	struct rusage before, after;
	char *p = malloc(n);
	if (p == NULL) return -1;
	for (size_t i = 0; i < n; i += 4096) p[i] = 1;
	free(p);
	getrusage(RUSAGE_THREAD, &before);
	p = malloc(n);
	if (p == NULL) return -1;
	for (size_t i = 0; i < n; i += 4096) p[i] = 2;
	getrusage(RUSAGE_THREAD, &after);
	free(p);
	return after.ru_minflt - before.ru_minflt;
}
*/
import "C"

func heapKept() bool { return C.fgia_heap_is_kept() != 0 }

// reusedBlockFaults is the page faults of a freshly allocated n-byte block
// written through, after one of the same size was written and freed (see
// fgia_reused_block_faults): zero when the heap is kept, n/4096 with glibc's
// defaults. Tests read it.
func reusedBlockFaults(n int) int64 { return int64(C.fgia_reused_block_faults(C.size_t(n))) }
