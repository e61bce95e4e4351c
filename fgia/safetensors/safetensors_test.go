package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/statedict"
)

func TestWriteRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	d := statedict.Dict{
		"a.weight": {Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, 1e-8, -7}},
		"b":        {Shape: []int{}, Data: []float32{42}},
		"c.bias":   {Shape: []int{0}, Data: []float32{}},
	}
	if err := Write(path, d, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if n := binary.LittleEndian.Uint64(raw); (8+n)%8 != 0 {
		t.Errorf("header of %d bytes leaves the data unaligned", n)
	}
	got, meta, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "pt" || len(got) != len(d) {
		t.Fatalf("meta %v, %d tensors", meta, len(got))
	}
	for k, v := range d {
		if !slices.Equal(got[k].Shape, v.Shape) || !slices.Equal(got[k].Data, v.Data) {
			t.Errorf("%s: %v %v, want %v %v", k, got[k].Shape, got[k].Data, v.Shape, v.Data)
		}
	}
}

// writeRaw builds a file by hand: one tensor of the given dtype and bytes.
func writeRaw(t *testing.T, dtype string, shape []int, data []byte, fileCut int) string {
	head, _ := json.Marshal(map[string]any{"x": map[string]any{"dtype": dtype, "shape": shape, "data_offsets": []int{0, len(data)}}})
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(head)))
	b = append(append(b, head...), data...)
	path := filepath.Join(t.TempDir(), "x.safetensors")
	os.WriteFile(path, b[:len(b)-fileCut], 0o644)
	return path
}

func TestDTypes(t *testing.T) {
	le := binary.LittleEndian
	f16 := []byte{}
	for _, h := range []uint16{0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00} { // 1, -2, ~1/3, 2^-24, +inf
		f16 = le.AppendUint16(f16, h)
	}
	bf16 := []byte{}
	for _, v := range []float32{1.5, -3, 0.15625} {
		bf16 = le.AppendUint16(bf16, uint16(math.Float32bits(v)>>16))
	}
	i64 := le.AppendUint64(le.AppendUint64(nil, 7), uint64(math.MaxUint64)) // 7, -1
	for _, tc := range []struct {
		dtype string
		data  []byte
		want  []float32
	}{
		{"F16", f16, []float32{1, -2, 0.33325195, float32(math.Pow(2, -24)), float32(math.Inf(1))}},
		{"BF16", bf16, []float32{1.5, -3, 0.15625}},
		{"I64", i64, []float32{7, -1}},
	} {
		n := len(tc.want)
		d, _, err := Read(writeRaw(t, tc.dtype, []int{n}, tc.data, 0))
		if err != nil {
			t.Fatalf("%s: %v", tc.dtype, err)
		}
		if !slices.Equal(d["x"].Data, tc.want) {
			t.Errorf("%s: %v, want %v", tc.dtype, d["x"].Data, tc.want)
		}
	}
}

func TestBadFiles(t *testing.T) {
	four := make([]byte, 16)
	for _, tc := range []struct {
		name, path, want string
	}{
		{"truncated data", writeRaw(t, "F32", []int{4}, four, 4), "truncated"},
		{"offsets do not match the shape", writeRaw(t, "F32", []int{5}, four, 0), "needs 20 bytes"},
		{"unknown dtype", writeRaw(t, "C64", []int{2}, four, 0), "unsupported dtype"},
		{"not safetensors", func() string {
			p := filepath.Join(t.TempDir(), "x")
			os.WriteFile(p, []byte("PK\x03\x04 definitely a zip"), 0o644)
			return p
		}(), "not safetensors"},
	} {
		_, _, err := Read(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
