package sampler

import (
	"fmt"
	"reflect"
	"sort"
	"testing"
)

func TestShuffled(t *testing.T) {
	s := Shuffled{N: 1000, Seed: 3}
	e0, e1 := s.Epoch(0), s.Epoch(1)
	sorted := append([]int(nil), e0...)
	sort.Ints(sorted)
	for i, v := range sorted {
		if v != i {
			t.Fatalf("epoch 0 is not a permutation of [0, 1000)")
		}
	}
	if reflect.DeepEqual(e0, e1) {
		t.Error("two epochs in the same order")
	}
	if !reflect.DeepEqual(e0, Shuffled{N: 1000, Seed: 3}.Epoch(0)) {
		t.Error("same seed and epoch, different order")
	}
}

func TestClassBalanced(t *testing.T) {
	// Class 0 has 900 images, class 1 has 90, class 2 has 10.
	var labels []int
	for c, n := range []int{900, 90, 10} {
		for i := 0; i < n; i++ {
			labels = append(labels, c)
		}
	}
	s, err := NewClassBalanced(labels, 30000, 1)
	if err != nil {
		t.Fatal(err)
	}
	e := s.Epoch(0)
	counts := make([]int, 3)
	seen := map[int]bool{}
	for _, i := range e {
		counts[labels[i]]++
		seen[i] = true
	}
	for c, n := range counts {
		if n < 9500 || n > 10500 { // 10000 expected; 5 standard deviations is ~400
			t.Errorf("class %d drawn %d times of 30000, want about 10000", c, n)
		}
	}
	if len(seen) != 1000 {
		t.Errorf("%d distinct images drawn, want all 1000 (each class cycles through its images)", len(seen))
	}
	if !reflect.DeepEqual(e, s.Epoch(0)) || reflect.DeepEqual(e, s.Epoch(1)) {
		t.Error("epochs are not a deterministic function of (seed, epoch)")
	}
	if _, err := NewClassBalanced([]int{0, -1}, 0, 1); err == nil {
		t.Error("negative label: no error")
	}
}

func ExampleNewClassBalanced() {
	labels := []int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1} // 8 images of class 0, 2 of class 1
	s, _ := NewClassBalanced(labels, 1000, 42)
	ones := 0
	for _, i := range s.Epoch(0) {
		ones += labels[i]
	}
	fmt.Println(ones > 400 && ones < 600)
	// Output: true
}
