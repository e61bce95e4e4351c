// Package torchfile reads the weights of a PyTorch checkpoint (.pth, .pt,
// .bin: what torch.save writes, the zip format of PyTorch >= 1.6 and the
// legacy one) with github.com/nlpodyssey/gopickle, and finds the state dict
// inside the wrappers training frameworks put around it: MMPretrain and
// mmengine save {"meta", "state_dict", ...}, timm's training script and
// DeiT {"model", ...}, some others {"module", ...}. Python objects other
// than tensors (metadata, optimizer state, mmengine's message hub) are
// unpickled as generic objects and ignored, so no Python class is needed.
package torchfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nlpodyssey/gopickle/pytorch"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/fgia/fgia/fgia/statedict"
)

// Wrappers are the keys under which checkpoints keep the model's state
// dict, in the order they are tried.
var Wrappers = []string{"state_dict", "model", "module"}

// Read loads the state dict of a PyTorch checkpoint as float32 tensors.
// wrapper is the key the state dict was found under ("" when the file is
// the state dict itself).
func Read(path string) (d statedict.Dict, wrapper string, err error) {
	if err := checkContainer(path); err != nil {
		return nil, "", err
	}
	obj, err := pytorch.Load(path)
	if err != nil {
		return nil, "", fmt.Errorf("torchfile: %s: %w", path, err)
	}
	top, ok := asDict(obj)
	if !ok {
		return nil, "", fmt.Errorf("torchfile: %s holds a %T, not a state dict", path, obj)
	}
	if !hasTensors(top) {
		for _, w := range Wrappers {
			if inner, ok := top[w]; ok {
				if sd, ok := asDict(inner); ok && hasTensors(sd) {
					top, wrapper = sd, w
					break
				}
			}
		}
	}
	d = statedict.Dict{}
	for k, v := range top {
		t, ok := v.(*pytorch.Tensor)
		if !ok {
			continue
		}
		st, err := fromTorch(t)
		if err != nil {
			return nil, "", fmt.Errorf("torchfile: %s: tensor %s: %w", path, k, err)
		}
		d[k] = st
	}
	if len(d) == 0 {
		keys := make([]string, 0, len(top))
		for k := range top {
			keys = append(keys, k)
		}
		return nil, "", fmt.Errorf("torchfile: %s: no tensors at the top level or under %v (keys: %v)", path, Wrappers, keys)
	}
	return d, wrapper, nil
}

// checkContainer gives a clear error for a file that is neither a zip
// checkpoint nor a legacy pickle, or a zip cut short (gopickle would report
// the zip's damage as a bad legacy magic number).
func checkContainer(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("torchfile: %w", err)
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil {
		return fmt.Errorf("torchfile: %s: too short for a PyTorch checkpoint", path)
	}
	switch {
	case bytes.Equal(head, []byte("PK\x03\x04")):
		z, err := zip.OpenReader(path)
		if err != nil {
			return fmt.Errorf("torchfile: %s: a zip checkpoint that cannot be opened (truncated or damaged?): %w", path, err)
		}
		defer z.Close()
		for _, zf := range z.File {
			r, err := zf.Open()
			if err == nil {
				_, err = io.Copy(io.Discard, r)
				r.Close()
			}
			if err != nil {
				return fmt.Errorf("torchfile: %s: record %s: %w (truncated or damaged?)", path, zf.Name, err)
			}
		}
		return nil
	case head[0] == 0x80: // a pickle protocol marker: the legacy format
		return nil
	}
	return fmt.Errorf("torchfile: %s is not a PyTorch checkpoint (neither a zip archive nor a pickle)", path)
}

// asDict turns a pickled dict or OrderedDict with string keys into a map.
func asDict(obj any) (map[string]any, bool) {
	out := map[string]any{}
	switch d := obj.(type) {
	case *types.Dict:
		for _, e := range *d {
			k, ok := e.Key.(string)
			if !ok {
				return nil, false
			}
			out[k] = e.Value
		}
	case *types.OrderedDict:
		for e := d.List.Front(); e != nil; e = e.Next() {
			entry := e.Value.(*types.OrderedDictEntry)
			k, ok := entry.Key.(string)
			if !ok {
				return nil, false
			}
			out[k] = entry.Value
		}
	default:
		return nil, false
	}
	return out, true
}

func hasTensors(d map[string]any) bool {
	for _, v := range d {
		if _, ok := v.(*pytorch.Tensor); ok {
			return true
		}
	}
	return false
}

// fromTorch copies a (possibly strided) tensor view out of its storage.
func fromTorch(t *pytorch.Tensor) (*statedict.Tensor, error) {
	var data []float32
	switch s := t.Source.(type) {
	case *pytorch.FloatStorage:
		data = s.Data
	case *pytorch.HalfStorage:
		data = s.Data
	case *pytorch.BFloat16Storage:
		data = s.Data
	case *pytorch.DoubleStorage:
		data = widen(s.Data)
	case *pytorch.LongStorage:
		data = widen(s.Data)
	case *pytorch.IntStorage:
		data = widen(s.Data)
	case *pytorch.ShortStorage:
		data = widen(s.Data)
	case *pytorch.CharStorage:
		data = widen(s.Data)
	case *pytorch.ByteStorage:
		data = widen(s.Data)
	case *pytorch.BoolStorage:
		data = make([]float32, len(s.Data))
		for i, b := range s.Data {
			if b {
				data[i] = 1
			}
		}
	default:
		return nil, errors.New("unsupported storage type " + strings.TrimPrefix(fmt.Sprintf("%T", t.Source), "*pytorch."))
	}
	return statedict.Strided(data, t.StorageOffset, t.Size, t.Stride)
}

func widen[T int8 | uint8 | int16 | int32 | int64 | float64](in []T) []float32 {
	out := make([]float32, len(in))
	for i, v := range in {
		out[i] = float32(v)
	}
	return out
}
