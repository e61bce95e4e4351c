package vit

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestResizePosEmbed(t *testing.T) {
	// A 4x4 grid of 2 channels: channel 0 constant, channel 1 a ramp in x;
	// plus a cls token.
	from, d := 4, 2
	data := []float32{7, -7}
	for y := 0; y < from; y++ {
		for x := 0; x < from; x++ {
			data = append(data, 3, float32(x))
		}
	}
	in := tensors.FromFlatDataAndDimensions(data, 1, 1+from*from, d)
	out, err := ResizePosEmbed(in, true, 8)
	if err != nil {
		t.Fatal(err)
	}
	if dims := out.Shape().Dimensions; dims[1] != 65 || dims[2] != 2 {
		t.Fatalf("shape %v, want [1 65 2]", dims)
	}
	v := out.Value().([][][]float32)[0]
	if v[0][0] != 7 || v[0][1] != -7 {
		t.Errorf("cls embedding changed: %v", v[0])
	}
	for i := 1; i < 65; i++ {
		if math.Abs(float64(v[i][0])-3) > 1e-5 {
			t.Fatalf("constant channel at %d: %g", i, v[i][0])
		}
	}
	// The ramp stays an increasing ramp, close to x' = (x+0.5)/2 - 0.5 (the
	// a = -0.75 kernel, PyTorch's, only approximates linear functions), and
	// symmetric about the centre.
	row := v[1+3*8 : 1+4*8]
	for x := 0; x < 8; x++ {
		want := math.Min(math.Max((float64(x)+0.5)/2-0.5, 0), 3)
		if got := float64(row[x][1]); math.Abs(got-want) > 0.12 { // bicubic overshoots a little at the edges
			t.Errorf("ramp at x=%d: %g, want about %g", x, got, want)
		}
		if x > 0 && row[x][1] < row[x-1][1] {
			t.Errorf("ramp not increasing at x=%d", x)
		}
		if sym := row[x][1] + row[7-x][1]; math.Abs(float64(sym)-3) > 1e-5 {
			t.Errorf("ramp not symmetric at x=%d: %g + %g", x, row[x][1], row[7-x][1])
		}
	}
	if same, _ := ResizePosEmbed(in, true, 4); !same.InDelta(in, 1e-6) {
		t.Error("resizing to the same grid changed the embedding")
	}
	if _, err := ResizePosEmbed(in, false, 8); err == nil {
		t.Error("17 tokens without cls are not a square: no error")
	}
}
