package redistribute

import (
	"math"

	"github.com/fgia/fgia/fgia/internal/par"
	"github.com/fgia/fgia/fgia/predict"
)

// Sinkhorn re-distributes by entropic optimal transport. Each image holds
// mass 1, each class should receive N/C; the plan
//
//	Q_ic = a_i * K_ic * b_c,   K_ic = (p_ic / max_k p_ik)^Power
//
// is the transport plan closest to K in KL divergence with those marginals.
// Sinkhorn-Knopp alternates a_i = 1 / sum_c K_ic b_c (rows sum to 1) and
// b_c = (N/C) / sum_i a_i K_ic (columns sum to N/C). Each image then takes
// argmax_c K_ic b_c, the argmax of its row of the plan: b is a per-class
// prior correction, the test-time counterpart of logit adjustment, fitted
// so the classes come out balanced.
//
// Power 1 transports the model's own probabilities (the entropic
// regulariser equals the model's uncertainty); a larger Power sharpens K
// towards a hard balanced assignment (the labels' histogram gets flatter,
// the iterations more numerous). K is scaled by each row's maximum, so
// nothing overflows; a and b are kept in float64 and b is renormalised
// every iteration, so nothing underflows either (the log domain would cost
// an exp per entry per iteration).
//
// One iteration is one fused pass over the matrix: a row's sum and its
// share of the column sums are taken while the row is in cache, each worker
// summing a tile of rows in float32 before adding it to its float64 column
// sums. The kernel overwrites the probabilities in place (only when
// Power != 1), so no copy of the matrix is made. Classes that no image
// reaches (every p_ic = 0) are left out of the target (Unreachable); the
// others share N equally.
type Sinkhorn struct {
	Power float64 // exponent of the probabilities (default 1)
	Iters int     // maximum iterations (default 200)
	// Tol stops the iterations when every class's mass is within Tol of
	// its target, relative (default 1e-3).
	Tol float64
}

// SinkhornResult is what Sinkhorn did.
type SinkhornResult struct {
	Labels []int32
	Iters  int
	// Mass is each class's mass sum_i Q_ic in the plan m holds on return,
	// and MaxDev the largest relative deviation of a reachable class's
	// mass from its target there.
	Mass   []float64
	MaxDev float64
	// Scale is b_c, normalised to a maximum of 1: log(Scale) is the
	// per-class logit offset the transport found.
	Scale []float64
	// Unreachable counts the classes no image's kernel entry reaches.
	Unreachable int
}

// tile is how many rows a worker sums in float32 before adding them into
// its float64 column sums.
const tile = 128

// Run replaces the probabilities in m by the rows of the plan, each
// normalised to sum 1 (so m.Log then m.Write stores it as logits), and
// returns each image's argmax.
func (s Sinkhorn) Run(m *predict.Matrix) *SinkhornResult {
	if s.Power == 0 {
		s.Power = 1
	}
	if s.Iters <= 0 {
		s.Iters = 200
	}
	if s.Tol <= 0 {
		s.Tol = 1e-3
	}
	n, C := len(m.Images), m.Classes
	res := &SinkhornResult{Labels: make([]int32, n), Mass: make([]float64, C), Scale: make([]float64, C)}
	if n == 0 || C == 0 {
		return res
	}
	workers := par.Workers(n)
	cols := make([][]float64, workers)
	tiles := make([][]float32, workers)
	for w := range cols {
		cols[w], tiles[w] = make([]float64, C), make([]float32, C)
	}
	// The kernel, in place. Power 1 needs none: dividing a row by its
	// maximum only rescales a_i. Rows with no probability at all become
	// uniform.
	kern := newKernel(s.Power)
	par.For(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := m.Row(i)
			top := float32(0)
			for _, v := range row {
				top = max(top, v)
			}
			if s.Power != 1 || top <= 0 {
				for c, v := range row {
					row[c] = kern.at(v, top)
				}
			}
		}
	})
	b := make([]float64, C)
	for c := range b {
		b[c] = 1
	}
	b32 := make([]float32, C)
	colSum := make([]float64, C)
	var target float64
	for it := 1; ; it++ {
		// colSum_c = sum_i a_i K_ic with a_i = 1 / sum_c K_ic b_c.
		for c := range b {
			b32[c] = float32(b[c])
		}
		par.Blocks(n, workers, func(w, lo, hi int) {
			col, acc := cols[w], tiles[w]
			clear(col)
			for t0 := lo; t0 < hi; t0 += tile {
				clear(acc)
				for i := t0; i < min(t0+tile, hi); i++ {
					row := m.Row(i)
					r := dot(row, b32)
					if r <= 0 {
						continue
					}
					axpy(acc, row, float32(1/r))
				}
				for c, v := range acc {
					col[c] += float64(v)
				}
			}
		})
		for c := range colSum {
			colSum[c] = 0
			for w := range cols {
				colSum[c] += cols[w][c]
			}
		}
		if it == 1 {
			reachable := 0
			for _, v := range colSum {
				if v > 0 {
					reachable++
				}
			}
			res.Unreachable = C - reachable
			target = float64(n) / float64(max(reachable, 1))
		}
		// The plan with these a and b has rows summing to 1 and columns
		// summing to b_c * colSum_c.
		dev := 0.0
		for c := range b {
			if colSum[c] > 0 {
				dev = max(dev, math.Abs(b[c]*colSum[c]-target)/target)
			}
		}
		res.Iters = it
		if dev <= s.Tol || it >= s.Iters {
			break
		}
		top := 0.0
		for c := range b {
			if colSum[c] > 0 {
				b[c] = target / colSum[c]
			}
			top = max(top, b[c])
		}
		for c := range b {
			// Rescaling b rescales every a_i the other way: the plan is
			// unchanged. The floor keeps the float32 copy above 0.
			b[c] = max(b[c]/top, 1e-30)
		}
	}
	top := 0.0
	for _, v := range b {
		top = max(top, v)
	}
	for c := range b {
		res.Scale[c] = b[c] / top
		b32[c] = float32(res.Scale[c])
	}
	// The plan's rows, normalised, their argmax and the plan's column
	// masses.
	par.Blocks(n, workers, func(w, lo, hi int) {
		col := cols[w]
		clear(col)
		for i := lo; i < hi; i++ {
			row := m.Row(i)
			var sum float64
			best := 0
			for c, v := range row {
				v *= b32[c]
				row[c] = v
				sum += float64(v)
				if v > row[best] {
					best = c
				}
			}
			if sum > 0 {
				inv := 1 / sum
				for c, v := range row {
					q := float64(v) * inv
					row[c] = float32(q)
					col[c] += q
				}
			}
			res.Labels[i] = int32(best)
		}
	})
	for c := range res.Mass {
		for w := range cols {
			res.Mass[c] += cols[w][c]
		}
		if res.Mass[c] > 0 {
			res.MaxDev = max(res.MaxDev, math.Abs(res.Mass[c]-target)/target)
		}
	}
	return res
}

// kernel computes K = (p / rowMax)^power.
type kernel struct {
	power float64
	n     int // power as an integer in [1, 64], else -1
}

func newKernel(power float64) kernel {
	k := kernel{power: power, n: -1}
	if power == math.Trunc(power) && power >= 1 && power <= 64 {
		k.n = int(power) // a few multiplications, not a math.Pow
	}
	return k
}

// at is (v / top)^power; a row without any probability (top 0) is uniform.
func (k kernel) at(v, top float32) float32 {
	if top <= 0 {
		return 1
	}
	return powf(v/top, k.power, k.n)
}

func powf(v float32, p float64, n int) float32 {
	if n < 0 {
		return float32(math.Pow(float64(v), p))
	}
	out := float32(1)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			out *= v
		}
		v *= v
	}
	return out
}

// dot returns sum_k x_k y_k, accumulated in float64 over float32 partial
// sums of four lanes.
func dot(x, y []float32) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	k := 0
	for ; k+4 <= len(x); k += 4 {
		s0 += x[k] * y[k]
		s1 += x[k+1] * y[k+1]
		s2 += x[k+2] * y[k+2]
		s3 += x[k+3] * y[k+3]
	}
	for ; k < len(x); k++ {
		s0 += x[k] * y[k]
	}
	return float64(s0) + float64(s1) + float64(s2) + float64(s3)
}

// axpy adds a*x to y.
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	k := 0
	for ; k+4 <= len(y); k += 4 {
		y[k] += a * x[k]
		y[k+1] += a * x[k+1]
		y[k+2] += a * x[k+2]
		y[k+3] += a * x[k+3]
	}
	for ; k < len(y); k++ {
		y[k] += a * x[k]
	}
}
