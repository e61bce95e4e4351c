//go:build linux && cgo

package backend

/*
#include <malloc.h>
#include <stdlib.h>
#include <strings.h>

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
*/
import "C"

func heapKept() bool { return C.fgia_heap_is_kept() != 0 }
