package train

import (
	"math"
	"testing"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/loader"
)

func TestSoftmaxAtTemperature(t *testing.T) {
	z := []float32{2, 0, -1}
	sharp, soft := softmaxAt(z, 1), softmaxAt(z, 4)
	var s1, s2 float64
	for i := range z {
		s1 += float64(sharp[i])
		s2 += float64(soft[i])
	}
	if math.Abs(s1-1) > 1e-6 || math.Abs(s2-1) > 1e-6 {
		t.Fatalf("sums %v %v", s1, s2)
	}
	if !(soft[0] < sharp[0] && soft[2] > sharp[2]) {
		t.Errorf("a higher temperature must flatten: T=1 %v, T=4 %v", sharp, soft)
	}
	if want := 1 / (1 + math.Exp(-2) + math.Exp(-3)); math.Abs(float64(sharp[0])-want) > 1e-6 {
		t.Errorf("p0 = %v, want %v", sharp[0], want)
	}
}

func TestBatchTargets(t *testing.T) {
	teacher := [][]float32{nil, {0.1, 0.7, 0.2}, nil}
	b := loader.Batch{Labels: []int32{0, 1, 2, 0}, Items: []int{0, 1, 2, -1}}
	got := batchTargets(b, teacher, 3, 0.3)
	want := []float32{
		0.8, 0.1, 0.1, // label 0 smoothed
		0.1, 0.7, 0.2, // the teacher's
		0.1, 0.1, 0.8, // label 2 smoothed
		0.8, 0.1, 0.1, // padding repeats row 0
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("targets %v, want %v", got, want)
		}
	}
}

func TestDistillRejectsMixup(t *testing.T) {
	c := tinyConfig()
	c.Distill = &Distill{Teachers: []string{"t.parquet"}, Temperature: 2}
	if err := c.Validate(); err != nil {
		t.Fatalf("distillation alone: %v", err)
	}
	m := augment.DefaultMixup()
	c.Mixup = &m
	if c.Validate() == nil {
		t.Error("distillation with Mixup was accepted")
	}
}
