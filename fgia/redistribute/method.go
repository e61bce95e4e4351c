package redistribute

import (
	"fmt"

	"github.com/fgia/fgia/fgia/predict"
)

// Method is a re-distribution: new labels for the rows of a probability
// matrix. The CLI, fgia/reproduce and the notebooks pick one by name.
type Method interface {
	// Name is the method's name ("champion", "exclusive", "sinkhorn").
	Name() string
	// Labels returns each row's new label. It may overwrite m's values
	// with what its labels are the argmax of (Sinkhorn stores its plan).
	Labels(m *predict.Matrix) []int32
}

// Method names.
const (
	MethodChampion  = "champion"
	MethodExclusive = "exclusive"
	MethodSinkhorn  = "sinkhorn"
)

// MethodNames lists the methods.
var MethodNames = []string{MethodChampion, MethodExclusive, MethodSinkhorn}

// Name is "champion" or "exclusive".
func (o OnePass) Name() string {
	if o.Champion {
		return MethodChampion
	}
	return MethodExclusive
}

// Labels is Run's labels.
func (o OnePass) Labels(m *predict.Matrix) []int32 {
	labels, _ := o.Run(m)
	return labels
}

// Name is "sinkhorn".
func (Sinkhorn) Name() string { return MethodSinkhorn }

// Labels is Run's labels.
func (s Sinkhorn) Labels(m *predict.Matrix) []int32 { return s.Run(m).Labels }

// NewMethod returns the method called name; k is OnePass's K (ignored by
// Sinkhorn, whose options are the defaults).
func NewMethod(name string, k int) (Method, error) {
	switch name {
	case MethodChampion, MethodExclusive:
		if k < 0 {
			return nil, fmt.Errorf("redistribute: K %d < 0", k)
		}
		return OnePass{K: k, Champion: name == MethodChampion}, nil
	case MethodSinkhorn:
		return Sinkhorn{}, nil
	}
	return nil, fmt.Errorf("redistribute: unknown method %q (want %s, %s or %s)", name, MethodChampion, MethodExclusive, MethodSinkhorn)
}

// KFor is K for a fraction of N/C (at least 1).
func KFor(frac float64, images, classes int) int {
	return max(1, int(frac*float64(images)/float64(classes)+0.5))
}

// SweepFracs are the K fractions of N/C swept: 0.60, 0.65, ..., 1.10 (the
// champion swept K 8..13 around N/C = 12, 67% to 108%).
func SweepFracs() []float64 {
	var out []float64
	for i := 0; i <= 10; i++ {
		out = append(out, 0.6+0.05*float64(i))
	}
	return out
}

// ChooseKFrac sweeps OnePass (champion or exclusive) over SweepFracs on
// the probabilities m against truth and returns the fraction with the best
// top-1 (the smallest on ties) with the whole sweep. Call it on the split
// used for choices (Test-A), never on the one reported.
func ChooseKFrac(m *predict.Matrix, truth []int32, champion bool) (float64, []SweepPoint, error) {
	fracs := SweepFracs()
	ks := make([]int, len(fracs))
	for i, f := range fracs {
		ks[i] = KFor(f, len(m.Images), m.Classes)
	}
	pts, err := SweepK(m, truth, ks, champion)
	if err != nil {
		return 0, nil, err
	}
	best := 0
	for i, p := range pts {
		if p.Top1 > pts[best].Top1 {
			best = i
		}
	}
	return fracs[best], pts, nil
}
