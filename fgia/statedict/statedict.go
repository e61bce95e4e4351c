// Package statedict is a PyTorch state dict held in Go: named float32
// arrays in PyTorch's row-major layout with their shapes, as the checkpoint
// readers (fgia/safetensors, fgia/torchfile) return them and the key
// mappings (fgia/timm, fgia/mmpretrain) rearrange them. Every element type
// a checkpoint may store (float16, bfloat16, float64, integers) is widened
// or converted to float32 on reading: model weights are what is wanted, and
// the integer buffers some checkpoints carry (relative position indices)
// are dropped by the mappings anyway.
package statedict

import (
	"fmt"
	"slices"
	"sort"
)

// Tensor is one named array: Data holds prod(Shape) values, row-major.
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a tensor of the given shape holding data, or an error when
// the sizes disagree.
func New(data []float32, shape ...int) (*Tensor, error) {
	if n := Size(shape); n != len(data) {
		return nil, fmt.Errorf("statedict: shape %v holds %d values, got %d", shape, n, len(data))
	}
	return &Tensor{Shape: slices.Clone(shape), Data: data}, nil
}

// Zeros returns a zero tensor of the given shape.
func Zeros(shape ...int) *Tensor {
	return &Tensor{Shape: slices.Clone(shape), Data: make([]float32, Size(shape))}
}

// Size is the number of values a shape holds.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Dict maps names (PyTorch's dotted keys) to tensors.
type Dict map[string]*Tensor

// Keys lists the names, sorted.
func (d Dict) Keys() []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Reshape returns t with another shape of the same size (sharing data).
func (t *Tensor) Reshape(shape ...int) (*Tensor, error) {
	if Size(shape) != len(t.Data) {
		return nil, fmt.Errorf("statedict: cannot reshape %v to %v", t.Shape, shape)
	}
	return &Tensor{Shape: slices.Clone(shape), Data: t.Data}, nil
}

// Permute returns a copy of t with its axes reordered: output axis i is
// input axis perm[i] (numpy's transpose).
func (t *Tensor) Permute(perm ...int) *Tensor {
	rank := len(t.Shape)
	if len(perm) != rank {
		panic(fmt.Sprintf("statedict: permutation %v of a rank-%d tensor", perm, rank))
	}
	outShape := make([]int, rank)
	for i, p := range perm {
		outShape[i] = t.Shape[p]
	}
	inStrides := strides(t.Shape)
	// Stride of the input for each output axis.
	step := make([]int, rank)
	for i, p := range perm {
		step[i] = inStrides[p]
	}
	out := make([]float32, len(t.Data))
	idx := make([]int, rank)
	src := 0
	for o := range out {
		out[o] = t.Data[src]
		// Advance the output index like an odometer, moving src along.
		for a := rank - 1; a >= 0; a-- {
			idx[a]++
			src += step[a]
			if idx[a] < outShape[a] {
				break
			}
			src -= step[a] * outShape[a]
			idx[a] = 0
		}
	}
	return &Tensor{Shape: outShape, Data: out}
}

// Transpose swaps the two axes of a matrix (PyTorch's [out, in] Linear
// weights become GoMLX's [in, out]).
func (t *Tensor) Transpose() *Tensor {
	if len(t.Shape) != 2 {
		panic(fmt.Sprintf("statedict: Transpose of a rank-%d tensor", len(t.Shape)))
	}
	return t.Permute(1, 0)
}

// Rows returns rows [from, to) of the first axis (a copy).
func (t *Tensor) Rows(from, to int) *Tensor {
	inner := Size(t.Shape[1:])
	shape := slices.Clone(t.Shape)
	shape[0] = to - from
	return &Tensor{Shape: shape, Data: slices.Clone(t.Data[from*inner : to*inner])}
}

// Concat stacks tensors of the same trailing shape along the first axis.
func Concat(parts ...*Tensor) *Tensor {
	shape := slices.Clone(parts[0].Shape)
	shape[0] = 0
	var data []float32
	for _, p := range parts {
		shape[0] += p.Shape[0]
		data = append(data, p.Data...)
	}
	return &Tensor{Shape: shape, Data: data}
}

// strides of a row-major array.
func strides(shape []int) []int {
	s := make([]int, len(shape))
	n := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = n
		n *= shape[i]
	}
	return s
}

// Strided copies the elements of a strided view (PyTorch's storage offset
// and strides, in elements) of src into a new contiguous tensor.
func Strided(src []float32, offset int, shape, stride []int) (*Tensor, error) {
	if len(shape) != len(stride) {
		return nil, fmt.Errorf("statedict: shape %v with strides %v", shape, stride)
	}
	n := Size(shape)
	out := make([]float32, n)
	if n == 0 {
		return &Tensor{Shape: slices.Clone(shape), Data: out}, nil
	}
	last := offset
	for i, d := range shape {
		last += (d - 1) * stride[i]
	}
	if offset < 0 || last >= len(src) {
		return nil, fmt.Errorf("statedict: view (offset %d, shape %v, strides %v) runs past its storage of %d values", offset, shape, stride, len(src))
	}
	idx := make([]int, len(shape))
	pos := offset
	for o := range out {
		out[o] = src[pos]
		for a := len(shape) - 1; a >= 0; a-- {
			idx[a]++
			pos += stride[a]
			if idx[a] < shape[a] {
				break
			}
			pos -= stride[a] * shape[a]
			idx[a] = 0
		}
	}
	return &Tensor{Shape: slices.Clone(shape), Data: out}, nil
}
