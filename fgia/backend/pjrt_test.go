package backend

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePJRTOptions(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]any // nil with ok: no options
		ok   bool
	}{
		{"", nil, true},
		{" , ", map[string]any{}, true},
		{"preallocate=false", map[string]any{"preallocate": false}, true},
		{"memory_fraction=0.8", map[string]any{"memory_fraction": float32(0.8)}, true},
		{"memory_fraction=1", map[string]any{"memory_fraction": float32(1)}, true}, // known: a float even when written as an integer
		{"allocator=cuda_async", map[string]any{"allocator": "cuda_async"}, true},
		{"visible_devices=0:1", map[string]any{"visible_devices": []int64{0, 1}}, true},
		{"cpu_device_count=2", map[string]any{"cpu_device_count": int64(2)}, true},
		{"preallocate=false, memory_fraction=0.8", map[string]any{"preallocate": false, "memory_fraction": float32(0.8)}, true},
		{" platform_name = cuda ", map[string]any{"platform_name": "cuda"}, true},
		// Unknown names: the type is guessed from the value.
		{"foo=bar,n=3,x=0.5,on=true", map[string]any{"foo": "bar", "n": int64(3), "x": float32(0.5), "on": true}, true},
		{"preallocate=maybe", nil, false},
		{"memory_fraction=x", nil, false},
		{"cpu_device_count=1.5", nil, false},
		{"novalue", nil, false},
		{"=1", nil, false},
		{"visible_devices=0:a", nil, false},
	} {
		got, err := ParsePJRTOptions(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v", tc.in, err)
			continue
		}
		if tc.ok && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func TestFormatPJRTOptions(t *testing.T) {
	s := "visible_devices=0:1,preallocate=false,memory_fraction=0.8"
	o, err := ParsePJRTOptions(s)
	if err != nil {
		t.Fatal(err)
	}
	want := "memory_fraction=0.8,preallocate=false,visible_devices=0:1" // sorted
	if got := FormatPJRTOptions(o); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if again, _ := ParsePJRTOptions(want); !reflect.DeepEqual(again, o) {
		t.Errorf("round trip %v, want %v", again, o)
	}
}

// New reads FGIA_PJRT_OPTIONS: it refuses them with a backend other than
// XLA, and with XLA's CPU plugin (when installed) cpu_device_count makes
// devices and the choice names the options.
func TestNewHonoursPJRTOptions(t *testing.T) {
	t.Setenv(EnvBackend, PureGo)
	t.Setenv(EnvPJRTOptions, "preallocate=false")
	if _, _, err := New(); err == nil || !strings.Contains(err.Error(), "XLA") {
		t.Errorf("options with the pure-Go backend: error %v", err)
	}
	t.Setenv(EnvPJRTOptions, "preallocate")
	if _, _, err := New(); err == nil {
		t.Error("malformed options accepted")
	}
	p := FindPlugin()
	if p == "" {
		t.Skip("no XLA CPU plugin installed (make deps)")
	}
	t.Setenv(EnvBackend, "xla:"+p)
	t.Setenv(EnvPJRTOptions, "cpu_device_count=2")
	b, c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if b.NumDevices() != 2 || !strings.Contains(c.String(), "PJRT options cpu_device_count=2") {
		t.Errorf("%d devices, choice %s", b.NumDevices(), c)
	}
}
