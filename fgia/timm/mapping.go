package timm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fgia/fgia/fgia/statedict"
)

// Var is one fgia variable: its path in the GoMLX context and its shape.
type Var struct {
	Path  string
	Shape []int
}

// param links one or more timm tensors to one or more fgia variables.
type param struct {
	timm   []string
	shapes [][]int // of the timm tensors
	fgia   []Var
	// zeroIfMissing: a checkpoint without these timm tensors imports them
	// as zeros (a ViT without qkv biases).
	zeroIfMissing bool
	toFgia        func(in []*statedict.Tensor) []*statedict.Tensor
	toTimm        func(in []*statedict.Tensor) []*statedict.Tensor
}

// buffers are tensors timm checkpoints may carry that fgia recomputes from
// the configuration.
var buffers = []string{"relative_position_index", "relative_coords_table", "attn_mask", "k_bias"}

func isBuffer(key string) bool {
	last := key[strings.LastIndex(key, ".")+1:]
	return slices.Contains(buffers, last)
}

// params lists every tensor of a's weights, the head only when it has one.
func (a Arch) params() []param {
	if a.SwinV2 != nil {
		return a.swinParams()
	}
	return a.vitParams()
}

// Layout lists fgia's variables for a: the backbone, and the head when a
// has one.
func (a Arch) Layout() []Var {
	var out []Var
	for _, p := range a.params() {
		out = append(out, p.fgia...)
	}
	return out
}

// Report says what an import did besides mapping weights.
type Report struct {
	Dropped []string // buffers fgia recomputes
	Zeroed  []string // timm tensors absent from the checkpoint, imported as zeros
}

// ToFgia maps a timm state dict onto fgia's variables for a. Every key must
// be used and every shape fit: errors name the key and both shapes, and
// list unknown and missing keys.
func ToFgia(d statedict.Dict, a Arch) (map[string]*statedict.Tensor, Report, error) {
	var rep Report
	out := map[string]*statedict.Tensor{}
	used := map[string]bool{}
	var missing, mismatched []string
	for _, p := range a.params() {
		in := make([]*statedict.Tensor, len(p.timm))
		absent := 0
		for i, k := range p.timm {
			t, ok := d[k]
			if !ok {
				absent++
				continue
			}
			used[k] = true
			if !slices.Equal(t.Shape, p.shapes[i]) {
				mismatched = append(mismatched, fmt.Sprintf("%s: checkpoint %v, %s wants %v", k, t.Shape, a.Name, p.shapes[i]))
			}
			in[i] = t
		}
		switch {
		case absent == len(p.timm) && p.zeroIfMissing:
			for i := range in {
				in[i] = statedict.Zeros(p.shapes[i]...)
			}
			rep.Zeroed = append(rep.Zeroed, p.timm...)
		case absent > 0:
			for i, k := range p.timm {
				if in[i] == nil {
					missing = append(missing, fmt.Sprintf("%s %v", k, p.shapes[i]))
				}
			}
			continue
		}
		if len(mismatched) > 0 {
			continue
		}
		for i, t := range p.toFgia(in) {
			out[p.fgia[i].Path] = t
		}
	}
	var unknown []string
	for _, k := range d.Keys() {
		switch {
		case used[k]:
		case isBuffer(k):
			rep.Dropped = append(rep.Dropped, k)
		default:
			unknown = append(unknown, k)
		}
	}
	var problems []string
	if len(mismatched) > 0 {
		problems = append(problems, "shapes that do not fit: "+list(mismatched))
	}
	if len(missing) > 0 {
		problems = append(problems, "missing keys: "+list(missing))
	}
	if len(unknown) > 0 {
		problems = append(problems, "unknown keys: "+list(unknown))
	}
	if len(problems) > 0 {
		return nil, rep, fmt.Errorf("timm: the checkpoint does not fit %s (%s): %s", a.Name, a.describe(), strings.Join(problems, "; "))
	}
	return out, rep, nil
}

// FromFgia maps fgia's variables (by path) back to a timm state dict for
// a. Variables a does not use are ignored (optimizer state, EMA copies,
// pretraining-only tensors); missing ones and wrong shapes are errors.
func FromFgia(vars map[string]*statedict.Tensor, a Arch) (statedict.Dict, error) {
	out := statedict.Dict{}
	var problems []string
	for _, p := range a.params() {
		in := make([]*statedict.Tensor, len(p.fgia))
		ok := true
		for i, v := range p.fgia {
			t, found := vars[v.Path]
			switch {
			case !found:
				problems = append(problems, fmt.Sprintf("missing %s %v", v.Path, v.Shape))
				ok = false
			case !slices.Equal(t.Shape, v.Shape):
				problems = append(problems, fmt.Sprintf("%s: checkpoint %v, %s wants %v", v.Path, t.Shape, a.Name, v.Shape))
				ok = false
			}
			in[i] = t
		}
		if !ok {
			continue
		}
		for i, t := range p.toTimm(in) {
			out[p.timm[i]] = t
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("timm: the run's weights do not fit %s (%s): %s", a.Name, a.describe(), list(problems))
	}
	return out, nil
}

// list joins the first few items (in the model's order) and counts the rest.
func list(items []string) string {
	const show = 6
	if len(items) <= show {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s, ... (%d in all)", strings.Join(items[:show], ", "), len(items))
}

// describe summarises a's shape for error messages.
func (a Arch) describe() string {
	if a.SwinV2 != nil {
		return a.SwinV2.String() + fmt.Sprintf(" head %d", a.NumClasses)
	}
	c := a.ViT
	return fmt.Sprintf("ViT img %d ch %d patch %d dim %d depth %d heads %d mlp %g cls %v pool %s head %d",
		c.ImageSize, c.Channels, c.PatchSize, c.Dim, c.Depth, c.Heads, c.MLPRatio, c.ClsToken, c.Pool, a.NumClasses)
}

// Tensor rearrangements shared by the families.

// same links a tensor stored alike on both sides.
func same(timmKey, path string, shape ...int) param {
	id := func(in []*statedict.Tensor) []*statedict.Tensor { return in }
	return param{timm: []string{timmKey}, shapes: [][]int{shape}, fgia: []Var{{path, shape}}, toFgia: id, toTimm: id}
}

// reshaped links a tensor whose values are in the same order on both sides
// but whose shapes differ (a per-head bias, Swin-V2's logit scale).
func reshaped(timmKey string, timmShape []int, path string, fgiaShape ...int) param {
	return param{timm: []string{timmKey}, shapes: [][]int{timmShape}, fgia: []Var{{path, fgiaShape}},
		toFgia: func(in []*statedict.Tensor) []*statedict.Tensor {
			return []*statedict.Tensor{must(in[0].Reshape(fgiaShape...))}
		},
		toTimm: func(in []*statedict.Tensor) []*statedict.Tensor {
			return []*statedict.Tensor{must(in[0].Reshape(timmShape...))}
		},
	}
}

// linear links a PyTorch Linear weight [out, in] to fgia's [in, out...]
// (out split into fgiaOut, e.g. heads x head dim).
func linear(timmKey string, out, in int, path string, fgiaOut ...int) param {
	fgiaShape := append([]int{in}, fgiaOut...)
	return param{timm: []string{timmKey}, shapes: [][]int{{out, in}}, fgia: []Var{{path, fgiaShape}},
		toFgia: func(t []*statedict.Tensor) []*statedict.Tensor {
			return []*statedict.Tensor{must(t[0].Transpose().Reshape(fgiaShape...))}
		},
		toTimm: func(t []*statedict.Tensor) []*statedict.Tensor {
			return []*statedict.Tensor{must(t[0].Reshape(in, out)).Transpose()}
		},
	}
}

// projection links an attention output projection [D, heads*hd] to fgia's
// [heads, hd, D].
func projection(timmKey string, d, heads int, path string) param {
	hd := d / heads
	return param{timm: []string{timmKey}, shapes: [][]int{{d, d}}, fgia: []Var{{path, []int{heads, hd, d}}},
		toFgia: func(t []*statedict.Tensor) []*statedict.Tensor {
			return []*statedict.Tensor{must(t[0].Transpose().Reshape(heads, hd, d))}
		},
		toTimm: func(t []*statedict.Tensor) []*statedict.Tensor {
			return []*statedict.Tensor{must(t[0].Reshape(d, d)).Transpose()}
		},
	}
}

// patchConv links a patch-embedding convolution [D, C, p, p] to fgia's
// matrix over patch vectors in (row, column, channel) order, [p*p*C, D].
func patchConv(timmKey string, d, ch, p int, path string) param {
	return param{timm: []string{timmKey}, shapes: [][]int{{d, ch, p, p}}, fgia: []Var{{path, []int{p * p * ch, d}}},
		toFgia: func(t []*statedict.Tensor) []*statedict.Tensor {
			return []*statedict.Tensor{must(t[0].Permute(2, 3, 1, 0).Reshape(p*p*ch, d))}
		},
		toTimm: func(t []*statedict.Tensor) []*statedict.Tensor {
			return []*statedict.Tensor{must(t[0].Reshape(p, p, ch, d)).Permute(3, 2, 0, 1)}
		},
	}
}

// qkvWeight links a fused qkv weight [3D, D] to three [D, heads, hd].
func qkvWeight(timmKey string, d, heads int, q, k, v string) param {
	hd := d / heads
	shape := []int{d, heads, hd}
	return param{timm: []string{timmKey}, shapes: [][]int{{3 * d, d}},
		fgia: []Var{{q, shape}, {k, shape}, {v, shape}},
		toFgia: func(t []*statedict.Tensor) []*statedict.Tensor {
			out := make([]*statedict.Tensor, 3)
			for i := range out {
				out[i] = must(t[0].Rows(i*d, (i+1)*d).Transpose().Reshape(shape...))
			}
			return out
		},
		toTimm: func(t []*statedict.Tensor) []*statedict.Tensor {
			parts := make([]*statedict.Tensor, 3)
			for i := range parts {
				parts[i] = must(t[i].Reshape(d, d)).Transpose()
			}
			return []*statedict.Tensor{statedict.Concat(parts...)}
		},
	}
}

// qkvBias links a fused qkv bias [3D] to three [heads, hd].
func qkvBias(timmKey string, d, heads int, q, k, v string) param {
	hd := d / heads
	shape := []int{heads, hd}
	return param{timm: []string{timmKey}, shapes: [][]int{{3 * d}},
		fgia: []Var{{q, shape}, {k, shape}, {v, shape}},
		toFgia: func(t []*statedict.Tensor) []*statedict.Tensor {
			out := make([]*statedict.Tensor, 3)
			for i := range out {
				out[i] = must(t[0].Rows(i*d, (i+1)*d).Reshape(shape...))
			}
			return out
		},
		toTimm: func(t []*statedict.Tensor) []*statedict.Tensor {
			parts := make([]*statedict.Tensor, 3)
			for i := range parts {
				parts[i] = must(t[i].Reshape(d))
			}
			return []*statedict.Tensor{statedict.Concat(parts...)}
		},
	}
}

// mlp links a transformer block's two-layer MLP (timm's fc1, fc2 under
// timmPrefix) to fgia's Linear layers fc1, fc2 under fgiaPrefix.
func mlp(timmPrefix, fgiaPrefix string, d, hidden int) []param {
	return []param{
		linear(timmPrefix+"fc1.weight", hidden, d, fgiaPrefix+"fc1/weights", hidden),
		same(timmPrefix+"fc1.bias", fgiaPrefix+"fc1/biases", hidden),
		linear(timmPrefix+"fc2.weight", d, hidden, fgiaPrefix+"fc2/weights", d),
		same(timmPrefix+"fc2.bias", fgiaPrefix+"fc2/biases", d),
	}
}

// layerNorm links a LayerNorm's weight and bias to fgia's gain and offset.
func layerNorm(timmPrefix, path string, d int) []param {
	return []param{same(timmPrefix+".weight", path+"/gain", d), same(timmPrefix+".bias", path+"/offset", d)}
}

// must unwraps reshapes whose sizes the caller's shapes guarantee.
func must(t *statedict.Tensor, err error) *statedict.Tensor {
	if err != nil {
		panic(err)
	}
	return t
}
