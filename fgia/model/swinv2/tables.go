package swinv2

import "math"

// Host-side constant tables. They depend only on the window geometry, never on learned values,
// so they are computed in Go once per graph and enter the graph as constants.

// relativeCoordsTable returns the log-spaced relative coordinates the continuous position bias
// MLP is evaluated on: [(2*winH-1)*(2*winW-1), 2] row-major, (dh, dw) with dh the outer loop.
// Offsets are normalised by (pretrained-1) when a pretrained window is given, else by
// (window-1), scaled to [-8, 8] and squashed with sign(x)*log2(|x|+1)/log2(8), as Swin-V2.
func relativeCoordsTable(winH, winW, pretrained int) []float32 {
	divH, divW := float64(winH-1), float64(winW-1)
	if pretrained > 0 {
		divH, divW = float64(pretrained-1), float64(pretrained-1)
	}
	// A window of 1 has the single offset 0: keep it 0 rather than divide 0 by 0 (timm gets NaN).
	if divH == 0 {
		divH = 1
	}
	if divW == 0 {
		divW = 1
	}
	squash := func(v float64) float32 {
		v *= 8
		return float32(math.Copysign(math.Log2(math.Abs(v)+1), v) / 3) // log2(8) = 3
	}
	table := make([]float32, 0, (2*winH-1)*(2*winW-1)*2)
	for dh := -(winH - 1); dh < winH; dh++ {
		for dw := -(winW - 1); dw < winW; dw++ {
			table = append(table, squash(float64(dh)/divH), squash(float64(dw)/divW))
		}
	}
	return table
}

// relativePositionIndex returns, for every (query, key) pair of tokens of a window in row-major
// order, the row of relativeCoordsTable holding their offset: [N*N] with N = winH*winW.
func relativePositionIndex(winH, winW int) []int32 {
	n := winH * winW
	idx := make([]int32, 0, n*n)
	for i := range n {
		hi, wi := i/winW, i%winW
		for j := range n {
			hj, wj := j/winW, j%winW
			idx = append(idx, int32((hi-hj+winH-1)*(2*winW-1)+(wi-wj+winW-1)))
		}
	}
	return idx
}

// windowOrder returns, for a token grid h x w rolled by (-shiftH, -shiftW) (torch.roll with
// negative shifts, as Swin before shifted-window attention) and cut into winH x winW windows,
// the source token of every output position. Outputs are in window order: window-major
// (windows row-major), then row-major inside the window; sources are row-major indices into
// the unrolled grid. With winH=h and winW=w it is a plain roll.
func windowOrder(h, w, winH, winW, shiftH, shiftW int) []int32 {
	perm := make([]int32, 0, h*w)
	for wy := 0; wy < h/winH; wy++ {
		for wx := 0; wx < w/winW; wx++ {
			for py := range winH {
				for px := range winW {
					y := (wy*winH + py + shiftH) % h
					x := (wx*winW + px + shiftW) % w
					perm = append(perm, int32(y*w+x))
				}
			}
		}
	}
	return perm
}

// inversePermutation returns inv with inv[perm[k]] = k.
func inversePermutation(perm []int32) []int32 {
	inv := make([]int32, len(perm))
	for k, p := range perm {
		inv[p] = int32(k)
	}
	return inv
}

// shiftRegions labels every token of the rolled grid with the region it came from, in window
// order ([numWindows*N]): tokens that wrapped around the border belong to other regions than
// their window neighbours and must not attend to them. Regions are the 3x3 products of the
// row bands [0, h-winH), [h-winH, h-shiftH), [h-shiftH, h) and the same for columns.
func shiftRegions(h, w, winH, winW, shiftH, shiftW int) []int32 {
	band := func(v, size, win, shift int) int {
		switch {
		case v < size-win:
			return 0
		case v < size-shift:
			return 1
		default:
			return 2
		}
	}
	ids := make([]int32, 0, h*w)
	for wy := 0; wy < h/winH; wy++ {
		for wx := 0; wx < w/winW; wx++ {
			for py := range winH {
				for px := range winW {
					y, x := wy*winH+py, wx*winW+px
					ids = append(ids, int32(3*band(y, h, winH, shiftH)+band(x, w, winW, shiftW)))
				}
			}
		}
	}
	return ids
}

// maskValue is the additive logit for pairs across shift regions (Swin's -100: exp(-100) is 0
// in float32 yet it never produces inf-inf NaNs).
const maskValue = -100

// shiftedWindowMask is the host version of the attention mask, [numWindows, N, N] with 0 for
// pairs in the same region and maskValue otherwise. The graph builds the same values from
// shiftRegions with a broadcast comparison, to avoid embedding the large constant; this one
// documents the semantics and is what tests compare against.
func shiftedWindowMask(h, w, winH, winW, shiftH, shiftW int) []float32 {
	ids := shiftRegions(h, w, winH, winW, shiftH, shiftW)
	n := winH * winW
	numWin := len(ids) / n
	mask := make([]float32, 0, numWin*n*n)
	for win := range numWin {
		for i := range n {
			for j := range n {
				if ids[win*n+i] != ids[win*n+j] {
					mask = append(mask, maskValue)
				} else {
					mask = append(mask, 0)
				}
			}
		}
	}
	return mask
}
