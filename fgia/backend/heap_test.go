package backend

import (
	"syscall"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestXLAReusesItsMemory runs a graph with a 64 MB intermediate (a matmul's
// output, reduced to a small result) on the XLA CPU plugin twice: with the
// heap kept (HeapKept), the second run reuses the first one's memory and
// page-faults far fewer times than the 16384 pages of the intermediate.
func TestXLAReusesItsMemory(t *testing.T) {
	p := FindPlugin()
	if p == "" {
		t.Skip("no XLA CPU plugin installed (make deps)")
	}
	b, err := NewWithConfig("xla:" + p)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	kept := HeapKept()
	e, err := NewExec(b, func(g *Graph) *Node {
		x := Sin(IotaFull(g, shapes.Make(dtypes.Float32, 2048, 256)))
		w := Cos(IotaFull(g, shapes.Make(dtypes.Float32, 256, 8192)))
		v := Cos(IotaFull(g, shapes.Make(dtypes.Float32, 8192, 4)))
		h := DotGeneral(x, []int{1}, nil, w, []int{0}, nil) // [2048, 8192]
		return DotGeneral(h, []int{1}, nil, v, []int{0}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	run := func() int64 {
		var before, after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		out, err := e.Exec()
		if err != nil {
			t.Fatal(err)
		}
		_ = out[0].Value()
		out[0].FinalizeAll()
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		return after.Minflt - before.Minflt
	}
	first := run()
	second := run()
	t.Logf("kept %v: faults %d then %d", kept, first, second)
	if !kept {
		t.Skip("heap setting unavailable (no glibc or FGIA_HEAP=off)")
	}
	if second > 2000 {
		t.Errorf("second run page-faulted %d times (first %d): the 64 MB intermediate was not reused", second, first)
	}
}
