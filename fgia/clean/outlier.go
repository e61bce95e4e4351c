package clean

import (
	"math"
	"sort"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/manifest"
	"github.com/fgia/fgia/fgia/scan"
)

// ThumbSide is the side of the thumbnails the outlier detector compares.
const ThumbSide = 8

// minClassForOutliers is the class size below which a class's own images say
// too little about what it looks like; such classes are judged against the
// whole data set instead.
const minClassForOutliers = 20

// outlierScores gives each kept, listed image a robust z-score: its distance
// to the element-wise median thumbnail of its class, in median absolute
// deviations of the class's distances. Charts and other pictures unlike their
// class score high. Keys are row indices.
func outlierScores(anns []dataset.Annotation, scanned []scan.File, rows []manifest.Row) map[int]float64 {
	var all []int
	byClass := map[int32][]int{}
	for i := range anns {
		if rows[i].Status == manifest.Kept && scanned[i].Thumb != nil {
			byClass[rows[i].Label] = append(byClass[rows[i].Label], i)
			all = append(all, i)
		}
	}
	scores := map[int]float64{}
	if len(all) < minClassForOutliers {
		return scores
	}
	var small []int
	for _, idx := range byClass {
		if len(idx) < minClassForOutliers {
			small = append(small, idx...)
			continue
		}
		robustZ(idx, scanned, scores)
	}
	global := map[int]float64{}
	robustZ(all, scanned, global)
	for _, i := range small {
		scores[i] = global[i]
	}
	return scores
}

// robustZ scores the images idx against their own median thumbnail.
func robustZ(idx []int, scanned []scan.File, scores map[int]float64) {
	dim := len(scanned[idx[0]].Thumb)
	center := make([]float64, dim)
	col := make([]float64, len(idx))
	for d := 0; d < dim; d++ {
		for k, i := range idx {
			col[k] = float64(scanned[i].Thumb[d])
		}
		center[d] = median(col)
	}
	dist := make([]float64, len(idx))
	for k, i := range idx {
		var s float64
		for d, v := range scanned[i].Thumb {
			diff := float64(v) - center[d]
			s += diff * diff
		}
		dist[k] = math.Sqrt(s)
	}
	med := median(append([]float64(nil), dist...))
	dev := make([]float64, len(dist))
	for k, d := range dist {
		dev[k] = math.Abs(d - med)
	}
	mad := 1.4826 * median(dev)
	if mad == 0 {
		mad = 1
	}
	for k, i := range idx {
		scores[i] = (dist[k] - med) / mad
	}
}

// median sorts xs in place and returns its median.
func median(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
