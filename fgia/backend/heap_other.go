//go:build !(linux && cgo)

package backend

// heapKept: without glibc (and cgo) malloc is left as it is.
func heapKept() bool { return false }

func reusedBlockFaults(int) int64 { return -1 }
