// Package xlacpu gives tests a backend of several devices on XLA's CPU
// plugin (its cpu_device_count option), the stand-in for a multi-GPU
// machine when checking data-parallel code.
package xlacpu

import (
	"testing"

	"github.com/gomlx/gomlx/backends"

	"github.com/fgia/fgia/fgia/backend"
)

// Devices returns the installed XLA CPU plugin split into n devices,
// finalized when the test ends; the test is skipped when no plugin is
// installed.
func Devices(t testing.TB, n int) backends.Backend {
	t.Helper()
	p := backend.FindPlugin()
	if p == "" {
		t.Skip("no XLA CPU plugin installed (make deps)")
	}
	b, err := backend.NewXLABackend("xla:"+p, map[string]any{"cpu_device_count": int64(n)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	if b.NumDevices() != n {
		t.Fatalf("%d devices, asked for %d", b.NumDevices(), n)
	}
	return b
}
