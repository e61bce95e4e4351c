package gemm

import "testing"

// The order of a gradient's product on XLA, for the products of a ViT-S/16
// block at batch 16 (3152 tokens): the weight gradient of a layer whose
// input is wider than its output (fc2: 1536 -> 384) takes the narrow
// output gradient as its left side and transposes the small result; the
// others keep the default.
func TestOtherFirstOnXLA(t *testing.T) {
	for _, tc := range []struct {
		name                string
		other, v            side
		otherFirst, vFirst  []int
		def, wantOtherFirst bool
	}{
		{"fc2 weight: activation 1536 wide, gradient 384",
			side{[]int{16, 197, 1536}, []int{0, 1}, nil}, side{[]int{16, 197, 384}, []int{0, 1}, nil},
			[]int{0, 1}, []int{1, 0}, true, false},
		{"fc1 weight: input 384 wide, gradient 1536",
			side{[]int{16, 197, 384}, []int{0, 1}, nil}, side{[]int{16, 197, 1536}, []int{0, 1}, nil},
			[]int{0, 1}, []int{1, 0}, true, true},
		{"q weight [384, 6, 64]: same widths, the default",
			side{[]int{16, 197, 384}, []int{0, 1}, nil}, side{[]int{16, 197, 6, 64}, []int{0, 1}, nil},
			[]int{0, 1, 2}, []int{1, 2, 0}, true, true},
		{"input gradient: v·Wᵀ needs no copy",
			side{[]int{384, 1536}, []int{1}, nil}, side{[]int{16, 197, 1536}, []int{2}, nil},
			[]int{2, 0, 1}, []int{0, 1, 2}, false, false},
		{"attention scores' gradient: a tie keeps the default",
			side{[]int{16, 197, 6, 64}, []int{1}, []int{0, 2}}, side{[]int{16, 6, 197, 197}, []int{3}, []int{0, 1}},
			[]int{0, 2, 3, 1}, []int{0, 2, 1, 3}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := otherFirstOnXLA(tc.other, tc.v, tc.otherFirst, tc.vFirst, tc.def); got != tc.wantOtherFirst {
				t.Errorf("otherFirstOnXLA = %v, want %v", got, tc.wantOtherFirst)
			}
		})
	}
}
