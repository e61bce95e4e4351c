package statedict

import (
	"slices"
	"testing"
)

func iota(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(i)
	}
	return out
}

func TestPermute(t *testing.T) {
	x, _ := New(iota(24), 2, 3, 4)
	for _, tc := range []struct {
		perm  []int
		shape []int
		at    func(i, j, k int) []int // output index of input (i, j, k)
	}{
		{[]int{0, 1, 2}, []int{2, 3, 4}, func(i, j, k int) []int { return []int{i, j, k} }},
		{[]int{2, 0, 1}, []int{4, 2, 3}, func(i, j, k int) []int { return []int{k, i, j} }},
		{[]int{1, 2, 0}, []int{3, 4, 2}, func(i, j, k int) []int { return []int{j, k, i} }},
	} {
		y := x.Permute(tc.perm...)
		if !slices.Equal(y.Shape, tc.shape) {
			t.Fatalf("perm %v: shape %v", tc.perm, y.Shape)
		}
		for i := 0; i < 2; i++ {
			for j := 0; j < 3; j++ {
				for k := 0; k < 4; k++ {
					o := tc.at(i, j, k)
					got := y.Data[(o[0]*y.Shape[1]+o[1])*y.Shape[2]+o[2]]
					if want := x.Data[(i*3+j)*4+k]; got != want {
						t.Fatalf("perm %v: (%d,%d,%d) -> %v holds %g, want %g", tc.perm, i, j, k, o, got, want)
					}
				}
			}
		}
	}
	m, _ := New(iota(6), 2, 3)
	if tr := m.Transpose(); !slices.Equal(tr.Data, []float32{0, 3, 1, 4, 2, 5}) {
		t.Errorf("transpose %v", tr.Data)
	}
}

func TestStrided(t *testing.T) {
	storage := iota(12) // a 3x4 matrix
	for _, tc := range []struct {
		name           string
		offset         int
		shape, strides []int
		want           []float32
		err            bool
	}{
		{"contiguous", 0, []int{3, 4}, []int{4, 1}, iota(12), false},
		{"transposed view", 0, []int{4, 3}, []int{1, 4}, []float32{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, false},
		{"row 1 of 3", 4, []int{4}, []int{1}, []float32{4, 5, 6, 7}, false},
		{"past the end", 8, []int{2, 4}, []int{4, 1}, nil, true},
	} {
		got, err := Strided(storage, tc.offset, tc.shape, tc.strides)
		if (err != nil) != tc.err {
			t.Fatalf("%s: error %v", tc.name, err)
		}
		if err == nil && !slices.Equal(got.Data, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got.Data, tc.want)
		}
	}
}

func TestRowsConcatReshape(t *testing.T) {
	x, _ := New(iota(6), 3, 2)
	parts := []*Tensor{x.Rows(0, 1), x.Rows(1, 3)}
	if c := Concat(parts...); !slices.Equal(c.Data, x.Data) || !slices.Equal(c.Shape, x.Shape) {
		t.Errorf("concat of rows %v %v", c.Shape, c.Data)
	}
	if _, err := x.Reshape(4, 2); err == nil {
		t.Error("reshape 6 values to 8: no error")
	}
	if _, err := New(iota(5), 2, 3); err == nil {
		t.Error("5 values as 2x3: no error")
	}
}
