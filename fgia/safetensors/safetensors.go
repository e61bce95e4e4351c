// Package safetensors reads and writes the safetensors format, in which the
// Hugging Face hub stores timm's weights (model.safetensors): an 8-byte
// little-endian header length, a JSON header naming every tensor's dtype,
// shape and byte range, then the raw little-endian bytes.
//
// Why our own: the format is these few lines, and no maintained Go reader
// was at hand — github.com/gomlx/go-huggingface v0.3.1 (the version the
// module proxy serves) downloads files but has no safetensors reader, and
// github.com/nlpodyssey/safetensors exists only as a pseudo-version with no
// release. Writing is needed too (fgia export), which neither offers in a
// form the kit could use.
package safetensors

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/statedict"
)

// maxHeader bounds the JSON header (the reference implementation's limit is
// 100 MB): a larger length means a file that is not safetensors.
const maxHeader = 100 << 20

// entry is one tensor in the JSON header.
type entry struct {
	DType       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets [2]int `json:"data_offsets"`
}

// byteSize is the size of one element of each dtype the format names.
var byteSize = map[string]int{
	"F64": 8, "F32": 4, "F16": 2, "BF16": 2,
	"I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
}

// Read loads every tensor of a .safetensors file as float32, with the
// header's __metadata__ (nil when absent).
func Read(path string) (statedict.Dict, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("safetensors: %s: %s", path, fmt.Sprintf(format, args...))
	}
	var n uint64
	if err := binary.Read(f, binary.LittleEndian, &n); err != nil {
		return nil, nil, bad("too short for a header (%d bytes)", st.Size())
	}
	if n > maxHeader || int64(n) > st.Size()-8 {
		return nil, nil, bad("header of %d bytes in a file of %d: not safetensors, or truncated", n, st.Size())
	}
	head := make([]byte, n)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, nil, bad("reading the header: %v", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(head, &raw); err != nil {
		return nil, nil, bad("header: %v", err)
	}
	dataStart := int64(8 + n)
	dataLen := st.Size() - dataStart
	var meta map[string]string
	out := statedict.Dict{}
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, bad("__metadata__: %v", err)
			}
			continue
		}
		var e entry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, bad("tensor %s: %v", name, err)
		}
		size, ok := byteSize[e.DType]
		if !ok {
			return nil, nil, bad("tensor %s: unsupported dtype %q", name, e.DType)
		}
		count := statedict.Size(e.Shape)
		begin, end := int64(e.DataOffsets[0]), int64(e.DataOffsets[1])
		if end-begin != int64(count*size) || begin < 0 {
			return nil, nil, bad("tensor %s: %s %v needs %d bytes, offsets %v give %d", name, e.DType, e.Shape, count*size, e.DataOffsets, end-begin)
		}
		if end > dataLen {
			return nil, nil, bad("tensor %s ends at byte %d of the data, which has %d: the file is truncated", name, end, dataLen)
		}
		buf := make([]byte, end-begin)
		if _, err := f.ReadAt(buf, dataStart+begin); err != nil {
			return nil, nil, bad("tensor %s: %v", name, err)
		}
		out[name] = &statedict.Tensor{Shape: append([]int{}, e.Shape...), Data: decode(e.DType, buf, count)}
	}
	return out, meta, nil
}

// decode converts count little-endian elements of dtype to float32.
func decode(dtype string, b []byte, count int) []float32 {
	out := make([]float32, count)
	le := binary.LittleEndian
	for i := range out {
		switch dtype {
		case "F32":
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		case "F64":
			out[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		case "F16":
			out[i] = halfToFloat(le.Uint16(b[2*i:]))
		case "BF16":
			out[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		case "I64":
			out[i] = float32(int64(le.Uint64(b[8*i:])))
		case "I32":
			out[i] = float32(int32(le.Uint32(b[4*i:])))
		case "I16":
			out[i] = float32(int16(le.Uint16(b[2*i:])))
		case "I8":
			out[i] = float32(int8(b[i]))
		case "U8", "BOOL":
			out[i] = float32(b[i])
		}
	}
	return out
}

// halfToFloat widens an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: value frac * 2^-24
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// Write stores d as float32 tensors in a .safetensors file, atomically,
// with the given __metadata__ (may be nil). Tensors are laid out in name
// order, and the header is padded with spaces to a multiple of 8 bytes, as
// the reference implementation does, so the data stays aligned.
func Write(path string, d statedict.Dict, meta map[string]string) error {
	names := d.Keys()
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	offset := 0
	for _, name := range names {
		t := d[name]
		if statedict.Size(t.Shape) != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %s: shape %v but %d values", name, t.Shape, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[name] = entry{DType: "F32", Shape: shape, DataOffsets: [2]int{offset, offset + 4*len(t.Data)}}
		offset += 4 * len(t.Data)
	}
	head, err := json.Marshal(header) // map keys marshal sorted
	if err != nil {
		return err
	}
	for len(head)%8 != 0 {
		head = append(head, ' ')
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := binary.Write(bw, binary.LittleEndian, uint64(len(head))); err != nil {
			return err
		}
		if _, err := bw.Write(head); err != nil {
			return err
		}
		var b [4]byte
		for _, name := range names {
			for _, v := range d[name].Data {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
				if _, err := bw.Write(b[:]); err != nil {
					return err
				}
			}
		}
		return bw.Flush()
	})
}
