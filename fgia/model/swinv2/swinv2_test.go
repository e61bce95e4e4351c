package swinv2

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/fgia/fgia/fgia/nn"
)

// testBackendConfig is the pure-Go backend with ops run one after another. Plain "go" lets
// simplego run independent ops in parallel, each holding a worker slot, while a DotGeneral
// inside them waits for a free slot to split its batch: on a 2-core machine the first forward
// pass deadlocked (simplego v0.26 workersPool, 2*NumCPU slots).
const testBackendConfig = "go:ops_sequential"

func TestMain(m *testing.M) {
	// Unset, GoMLX would try the XLA backend and, offline, fail to fetch its plugin; plain "go"
	// (the Makefile's default) can deadlock as said above.
	if v := os.Getenv(backends.ConfigEnvVar); v == "" || v == "go" {
		_ = os.Setenv(backends.ConfigEnvVar, testBackendConfig)
	}
	os.Exit(m.Run())
}

var testBackend = sync.OnceValue(func() backends.Backend { return backends.MustNew() })

// tinyConfig has two stages on 16x16x1 images: an 8x8 grid with shifted 4x4 windows, then a
// 4x4 grid where the window covers the grid (no shift).
func tinyConfig() Config {
	return Config{
		ImageSize: 16, Channels: 1, PatchSize: 2,
		EmbedDim: 16, Depths: []int{2, 2}, Heads: []int{2, 4},
		WindowSizes: []int{4, 4}, PretrainedWindowSizes: []int{0, 0},
		MLPRatio: 2, DropPathRate: 0, NormEps: 1e-5,
	}
}

func randomFloats(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

func randomImages(seed uint64, b, h, w, ch int) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(seed, 1))
	return tensors.FromFlatDataAndDimensions(randomFloats(rng, b*h*w*ch), b, h, w, ch)
}

func flat(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > tol || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: [%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// trainableParams sums the sizes of ctx's trainable variables (the RNG state is not one).
func trainableParams(ctx *context.Context) int {
	n := 0
	for v := range ctx.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}

// --- Host references, written after timm's torch code rather than after this package. ---

// hostRoll is torch.roll(x, shifts=(-sh, -sw), dims=(1, 2)) on x [B, H, W, C].
func hostRoll(x []float32, b, h, w, c, sh, sw int) []float32 {
	out := make([]float32, len(x))
	for bi := range b {
		for y := range h {
			for xx := range w {
				src := ((bi*h+(y+sh)%h)*w + (xx+sw)%w) * c
				dst := ((bi*h+y)*w + xx) * c
				copy(out[dst:dst+c], x[src:src+c])
			}
		}
	}
	return out
}

// hostPartition is timm's window_partition, [B, H, W, C] -> [B, nW, wh*ww, C].
func hostPartition(x []float32, b, h, w, c, wh, ww int) []float32 {
	out := make([]float32, 0, len(x))
	for bi := range b {
		for wy := 0; wy < h/wh; wy++ {
			for wx := 0; wx < w/ww; wx++ {
				for py := range wh {
					for px := range ww {
						src := ((bi*h+wy*wh+py)*w + wx*ww + px) * c
						out = append(out, x[src:src+c]...)
					}
				}
			}
		}
	}
	return out
}

// pySlice resolves Python's slice(start, stop) on a length-n axis; stop=nil means the end.
func pySlice(start int, stop *int, n int) (int, int) {
	norm := func(i int) int {
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n)
	}
	end := n
	if stop != nil {
		end = norm(*stop)
	}
	return norm(start), end
}

// hostTimmMask follows timm's get_attn_mask: label the 3x3 slices of an image-shaped mask,
// partition it, and compare labels pairwise; [nW, N, N] with 0 or -100.
func hostTimmMask(h, w, wh, ww, sh, sw int) []float32 {
	img := make([]float32, h*w)
	type span struct {
		start int
		stop  *int
	}
	neg := func(v int) *int { v = -v; return &v }
	hs := []span{{0, neg(wh)}, {-wh, neg(sh)}, {-sh, nil}}
	ws := []span{{0, neg(ww)}, {-ww, neg(sw)}, {-sw, nil}}
	cnt := float32(0)
	for _, hsp := range hs {
		for _, wsp := range ws {
			y0, y1 := pySlice(hsp.start, hsp.stop, h)
			x0, x1 := pySlice(wsp.start, wsp.stop, w)
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					img[y*w+x] = cnt
				}
			}
			cnt++
		}
	}
	win := hostPartition(img, 1, h, w, 1, wh, ww)
	n := wh * ww
	var mask []float32
	for k := 0; k < len(win)/n; k++ {
		for i := range n {
			for j := range n {
				if win[k*n+j]-win[k*n+i] != 0 {
					mask = append(mask, -100)
				} else {
					mask = append(mask, 0)
				}
			}
		}
	}
	return mask
}

// hostCoordsTable follows timm's _make_pair_wise_relative_positions (table part).
func hostCoordsTable(wh, ww, pretrained int) []float32 {
	var out []float32
	for dh := -(wh - 1); dh <= wh-1; dh++ {
		for dw := -(ww - 1); dw <= ww-1; dw++ {
			for axis, v := range []float64{float64(dh), float64(dw)} {
				win := []int{wh, ww}[axis]
				if pretrained > 0 {
					v /= float64(pretrained - 1)
				} else if win > 1 {
					v /= float64(win - 1)
				}
				v *= 8
				sign := 0.0
				if v > 0 {
					sign = 1
				} else if v < 0 {
					sign = -1
				}
				out = append(out, float32(sign*math.Log2(math.Abs(v)+1)/math.Log2(8)))
			}
		}
	}
	return out
}

// hostRelIndex follows timm's relative_position_index: coords difference, shift, scale, sum.
func hostRelIndex(wh, ww int) []int32 {
	n := wh * ww
	coords := [2][]int{make([]int, n), make([]int, n)}
	for i := range n {
		coords[0][i], coords[1][i] = i/ww, i%ww
	}
	out := make([]int32, n*n)
	for i := range n {
		for j := range n {
			r0 := coords[0][i] - coords[0][j] + wh - 1
			r1 := coords[1][i] - coords[1][j] + ww - 1
			out[i*n+j] = int32(r0*(2*ww-1) + r1)
		}
	}
	return out
}

// --- Tests. ---

func TestPresets(t *testing.T) {
	// Published sizes: timm's parameter counts minus the 1000-class head, and the FLOPs
	// (multiply-adds, in G) of Microsoft's Swin-Transformer model zoo.
	tests := []struct {
		name       string
		wantParams float64 // millions
		wantGMACs  float64
		featureDim int
	}{
		{"swinv2-t", 28.35 - 0.769, 6.6, 768},
		{"swinv2-s", 49.73 - 0.769, 12.6, 768},
		{"swinv2-b", 87.92 - 1.025, 21.8, 1024},
		{"swinv2-l", 196.74 - 1.537, 47.5, 1536},
		{"swinv2-b-384", 87.92 - 1.025, 54.7, 1024},
		{"swinv2-l-384", 196.74 - 1.537, 115.4, 1536},
		{"swinv2-demo", -1, -1, 64},
	}
	presets := Presets()
	if len(presets) != len(tests) {
		t.Fatalf("%d presets, test knows %d", len(presets), len(tests))
	}
	for _, tt := range tests {
		c, ok := presets[tt.name]
		if !ok {
			t.Fatalf("missing preset %q", tt.name)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if c.FeatureDim() != tt.featureDim {
			t.Errorf("%s: FeatureDim %d, want %d", tt.name, c.FeatureDim(), tt.featureDim)
		}
		params, gmacs := float64(c.NumParams())/1e6, c.FLOPsPerImage()/2e9
		t.Logf("%-13s %8.3fM params %8.2f GFLOPs", tt.name, params, 2*gmacs)
		if tt.wantParams > 0 && math.Abs(params-tt.wantParams) > 0.01 {
			t.Errorf("%s: %.3fM params, published %.3fM", tt.name, params, tt.wantParams)
		}
		if tt.wantGMACs > 0 && math.Abs(gmacs-tt.wantGMACs) > 0.05 {
			t.Errorf("%s: %.2f GMACs, published %.1f", tt.name, gmacs, tt.wantGMACs)
		}
	}
	// At 384 the champion's grids are 96, 48, 24, 12: stages 0 and 1 shift windows of 24; stage 2
	// is a single 24x24 window and stage 3 a single 12x12 one, neither shifted (as timm).
	geo, _ := presets["swinv2-b-384"].geometry(384, 384)
	for i, want := range []struct{ h, win, shift int }{{96, 24, 12}, {48, 24, 12}, {24, 24, 0}, {12, 12, 0}} {
		if s := geo[i]; s.H != want.h || s.WinH != want.win || s.ShiftH != want.shift {
			t.Errorf("swinv2-b-384 stage %d: %+v, want grid %d window %d shift %d", i, s, want.h, want.win, want.shift)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		modify func(c *Config)
	}{
		{"zero patch", func(c *Config) { c.PatchSize = 0 }},
		{"image not multiple of patch", func(c *Config) { c.ImageSize = 15 }},
		{"heads do not divide", func(c *Config) { c.Heads = []int{3, 4} }},
		{"stage lists differ", func(c *Config) { c.WindowSizes = []int{4} }},
		{"grid not multiple of window", func(c *Config) { c.WindowSizes = []int{3, 4} }},
		{"odd grid before merging", func(c *Config) { c.ImageSize, c.WindowSizes = 18, []int{9, 9} }},
		{"pretrained window 1", func(c *Config) { c.PretrainedWindowSizes = []int{1, 0} }},
		{"drop path 1", func(c *Config) { c.DropPathRate = 1 }},
		{"no eps", func(c *Config) { c.NormEps = 0 }},
		{"no mlp", func(c *Config) { c.MLPRatio = 0 }},
	}
	if err := tinyConfig().Validate(); err != nil {
		t.Fatalf("tiny config: %v", err)
	}
	for _, tt := range tests {
		c := tinyConfig()
		tt.modify(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %v", tt.name, c)
		}
	}
}

func TestDropPathRates(t *testing.T) {
	c := tinyConfig()
	c.DropPathRate = 0.3
	got := c.dropPathRates()
	want := [][]float64{{0, 0.1}, {0.2, 0.3}}
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > 1e-12 {
				t.Fatalf("dropPathRates = %v, want %v", got, want)
			}
		}
	}
}

func TestRelativePositionIndex(t *testing.T) {
	want2x2 := []int32{4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4} // worked by hand
	if got := relativePositionIndex(2, 2); !slices.Equal(got, want2x2) {
		t.Errorf("2x2 index = %v, want %v", got, want2x2)
	}
	for _, w := range [][2]int{{1, 1}, {3, 3}, {2, 5}, {7, 7}} {
		if got, want := relativePositionIndex(w[0], w[1]), hostRelIndex(w[0], w[1]); !slices.Equal(got, want) {
			t.Errorf("window %v: index differs from the timm-style reference", w)
		}
	}
}

func TestRelativeCoordsTable(t *testing.T) {
	// Window 2: offsets -1, 0, 1 over (2-1), times 8, squashed: +-log2(9)/3.
	l9 := float32(math.Log2(9) / 3)
	want := []float32{-l9, -l9, -l9, 0, -l9, l9, 0, -l9, 0, 0, 0, l9, l9, -l9, l9, 0, l9, l9}
	assertClose(t, "window 2 table", relativeCoordsTable(2, 2, 0), want, 1e-6)
	for _, tc := range [][3]int{{1, 1, 0}, {3, 3, 0}, {4, 4, 2}, {24, 24, 12}, {2, 6, 0}, {7, 7, 0}} {
		got := relativeCoordsTable(tc[0], tc[1], tc[2])
		assertClose(t, fmt.Sprintf("table %v", tc), got, hostCoordsTable(tc[0], tc[1], tc[2]), 1e-6)
	}
	// A window-24 table normalised by pretrained 12 reaches past the range seen at window 12
	// (|x| up to 8*23/11), which the continuous MLP extrapolates to.
	t24 := relativeCoordsTable(24, 24, 12)
	if got, want := t24[0], -float32(math.Log2(8*23.0/11+1)/3); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("window 24 / pretrained 12 corner = %g, want %g", got, want)
	}
}

func TestRollByGather(t *testing.T) {
	const b, h, w, c = 2, 6, 4, 3
	x := randomFloats(rand.New(rand.NewPCG(1, 2)), b*h*w*c)
	for _, s := range [][2]int{{0, 0}, {1, 1}, {3, 2}, {0, 3}, {5, 1}} {
		got := MustExecOnce(testBackend(), func(xn *Node) *Node {
			gc := newGraphConsts(xn.Graph())
			// windowOrder with one window covering the grid is a plain roll.
			perm := windowOrder(h, w, h, w, s[0], s[1])
			return gatherTokens(gc, Reshape(xn, b, h*w, c), perm, "roll")
		}, tensors.FromFlatDataAndDimensions(x, b, h, w, c))
		assertClose(t, fmt.Sprintf("roll %v", s), flat(got), hostRoll(x, b, h, w, c, s[0], s[1]), 0)
	}
}

func TestWindowPartitionReverse(t *testing.T) {
	const b, c = 2, 3
	tests := []struct {
		name    string
		s       stageGeom
		shifted bool
	}{
		{"plain 8x8 / 4", stageGeom{H: 8, W: 8, WinH: 4, WinW: 4, ShiftH: 2, ShiftW: 2}, false},
		{"shifted 8x8 / 4", stageGeom{H: 8, W: 8, WinH: 4, WinW: 4, ShiftH: 2, ShiftW: 2}, true},
		{"shifted 6x9 / 3x3 by 1", stageGeom{H: 6, W: 9, WinH: 3, WinW: 3, ShiftH: 1, ShiftW: 1}, true},
		{"shifted rows only 4x8", stageGeom{H: 4, W: 8, WinH: 4, WinW: 4, ShiftH: 0, ShiftW: 2}, true},
		{"single window", stageGeom{H: 4, W: 4, WinH: 4, WinW: 4}, false},
	}
	for _, tt := range tests {
		s := tt.s
		x := randomFloats(rand.New(rand.NewPCG(3, 4)), b*s.H*s.W*c)
		outs := MustExecOnceN(testBackend(), func(xn *Node) []*Node {
			gc := newGraphConsts(xn.Graph())
			win := partitionWindows(gc, xn, s, tt.shifted)
			return []*Node{win, reverseWindows(gc, win, s, tt.shifted)}
		}, tensors.FromFlatDataAndDimensions(x, b, s.H, s.W, c))
		src := x
		if tt.shifted {
			src = hostRoll(x, b, s.H, s.W, c, s.ShiftH, s.ShiftW)
		}
		if want := []int{b, s.numWindows(), s.windowArea(), c}; !slices.Equal(outs[0].Shape().Dimensions, want) {
			t.Fatalf("%s: windows shape %s, want %v", tt.name, outs[0].Shape(), want)
		}
		assertClose(t, tt.name+": partition", flat(outs[0]), hostPartition(src, b, s.H, s.W, c, s.WinH, s.WinW), 0)
		assertClose(t, tt.name+": reverse(partition)", flat(outs[1]), x, 0)
	}
}

func TestShiftMask(t *testing.T) {
	for _, s := range []stageGeom{
		{H: 4, W: 4, WinH: 2, WinW: 2, ShiftH: 1, ShiftW: 1},
		{H: 8, W: 8, WinH: 4, WinW: 4, ShiftH: 2, ShiftW: 2},
		{H: 6, W: 9, WinH: 3, WinW: 3, ShiftH: 1, ShiftW: 1},
		{H: 4, W: 8, WinH: 4, WinW: 4, ShiftH: 0, ShiftW: 2},
	} {
		want := hostTimmMask(s.H, s.W, s.WinH, s.WinW, s.ShiftH, s.ShiftW)
		name := fmt.Sprintf("%dx%d/%dx%d/%d,%d", s.H, s.W, s.WinH, s.WinW, s.ShiftH, s.ShiftW)
		assertClose(t, name+" host", shiftedWindowMask(s.H, s.W, s.WinH, s.WinW, s.ShiftH, s.ShiftW), want, 0)
		got := MustExecOnce(testBackend(), func(g *Graph) *Node {
			return shiftMask(newGraphConsts(g), s, dtypes.Float32)
		})
		if want := []int{1, s.numWindows(), 1, s.windowArea(), s.windowArea()}; !slices.Equal(got.Shape().Dimensions, want) {
			t.Fatalf("%s: mask shape %s, want %v", name, got.Shape(), want)
		}
		assertClose(t, name+" graph", flat(got), want, 0)
	}
	// The smallest case, spelled out: a 4x4 grid, windows 2, shift 1. Only the last window row
	// and column mix wrapped tokens; the first window (top-left) is all one region.
	m := shiftedWindowMask(4, 4, 2, 2, 1, 1)
	if !slices.Equal(m[:16], make([]float32, 16)) {
		t.Errorf("top-left window mask = %v, want all 0", m[:16])
	}
	last := m[3*16:] // bottom-right window: 4 tokens from 4 regions
	for i := range 4 {
		for j := range 4 {
			if want := float32(maskValue); i == j {
				want = 0
				if last[i*4+j] != want {
					t.Errorf("bottom-right mask[%d,%d] = %g", i, j, last[i*4+j])
				}
			} else if last[i*4+j] != want {
				t.Errorf("bottom-right mask[%d,%d] = %g, want %g", i, j, last[i*4+j], want)
			}
		}
	}
}

func TestEncodeShapes(t *testing.T) {
	demo := Presets()["swinv2-demo"]
	small := tinyConfig()
	small.WindowSizes = []int{16, 16} // every stage's grid (8, then 4) is below the window
	threeStage := Config{
		ImageSize: 32, Channels: 3, PatchSize: 4, EmbedDim: 8, Depths: []int{1, 2, 1}, Heads: []int{1, 2, 2},
		WindowSizes: []int{4, 2, 2}, PretrainedWindowSizes: []int{0, 0, 0}, MLPRatio: 4, NormEps: 1e-5,
	}
	tests := []struct {
		name string
		c    Config
		h, w int
		mask bool
		want []int
	}{
		{"demo 28x28", demo, 28, 28, false, []int{2, 7, 7, 64}},
		{"demo with SimMIM mask", demo, 28, 28, true, []int{2, 7, 7, 64}},
		{"resolution below window", small, 16, 16, false, []int{2, 4, 4, 32}},
		{"rectangular 16x32", tinyConfig(), 16, 32, false, []int{2, 4, 8, 32}},
		{"three stages", threeStage, 32, 32, false, []int{2, 2, 2, 32}},
	}
	for _, tt := range tests {
		c := tt.c
		args := []any{randomImages(5, 2, tt.h, tt.w, c.Channels)}
		fn := func(ctx *context.Context, images *Node) []*Node {
			enc := c.Encode(ctx, images, nil)
			return []*Node{enc, c.Features(ctx.Reuse(), images)}
		}
		var outs []*tensors.Tensor
		if tt.mask {
			grid := tt.h / c.PatchSize
			mask := tensors.FromFlatDataAndDimensions(make([]float32, 2*grid*grid), 2, grid, grid)
			args = append(args, mask)
			outs = context.MustExecOnceN(testBackend(), context.New(), func(ctx *context.Context, images, mask *Node) []*Node {
				return []*Node{c.Encode(ctx, images, mask), c.Features(ctx.Reuse(), images)}
			}, args...)
		} else {
			outs = context.MustExecOnceN(testBackend(), context.New(), fn, args...)
		}
		if !slices.Equal(outs[0].Shape().Dimensions, tt.want) {
			t.Errorf("%s: Encode shape %s, want %v", tt.name, outs[0].Shape(), tt.want)
		}
		if want := []int{2, c.FeatureDim()}; !slices.Equal(outs[1].Shape().Dimensions, want) {
			t.Errorf("%s: Features shape %s, want %v", tt.name, outs[1].Shape(), want)
		}
		for i, v := range flat(outs[0]) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%s: Encode output [%d] = %g", tt.name, i, v)
			}
		}
	}
}

func TestMaskToken(t *testing.T) {
	c := tinyConfig()
	grid := c.ImageSize / c.PatchSize
	ones := make([]float32, 2*grid*grid)
	for i := range ones {
		ones[i] = 1
	}
	zeros := make([]float32, len(ones))
	ctx := context.New()
	exec := context.MustNewExec(testBackend(), ctx, func(ctx *context.Context, images, mask *Node) *Node {
		return c.Encode(ctx, images, mask)
	})
	unmasked := context.MustNewExec(testBackend(), ctx.Reuse(), func(ctx *context.Context, images *Node) *Node {
		return c.Encode(ctx, images, nil)
	})
	imgA, imgB := randomImages(6, 2, 16, 16, 1), randomImages(7, 2, 16, 16, 1)
	maskOnes := tensors.FromFlatDataAndDimensions(ones, 2, grid, grid)
	maskZeros := tensors.FromFlatDataAndDimensions(zeros, 2, grid, grid)
	// Fully masked, the image cannot matter; unmasked, the token cannot.
	a, b := flat(exec.MustExec1(imgA, maskOnes)), flat(exec.MustExec1(imgB, maskOnes))
	assertClose(t, "fully masked A vs B", a, b, 1e-5)
	assertClose(t, "mask of zeros vs no mask", flat(exec.MustExec1(imgA, maskZeros)), flat(unmasked.MustExec1(imgA)), 1e-5)
	if got, want := trainableParams(ctx), c.NumParams()+c.EmbedDim; got != want {
		t.Errorf("with mask token: %d parameters, want NumParams()+EmbedDim = %d", got, want)
	}
	if v := ctx.GetVariableByScopeAndName("/simmim", "mask_token"); v == nil {
		t.Errorf("no /simmim/mask_token variable")
	}
}

func TestNumParamsMatchesVariables(t *testing.T) {
	noNorm := tinyConfig()
	noNorm.NoPatchNorm, noNorm.MLPRatio = true, 3
	tests := []struct {
		name  string
		c     Config
		build bool // build the graph only: too big to run on CPU, cheap to trace
	}{
		{"tiny", tinyConfig(), false},
		{"no patch norm, mlp 3", noNorm, false},
		{"demo", Presets()["swinv2-demo"], false},
		{"swinv2-t", Presets()["swinv2-t"], true},
		{"swinv2-b-384", Presets()["swinv2-b-384"], true},
	}
	for _, tt := range tests {
		c := tt.c
		ctx := context.New()
		if tt.build {
			g := NewGraph(testBackend(), "count")
			images := Parameter(g, "images", shapes.Make(dtypes.Float32, 1, c.ImageSize, c.ImageSize, c.Channels))
			c.Features(ctx, images)
			g.Finalize()
		} else {
			context.MustExecOnce(testBackend(), ctx, func(ctx *context.Context, images *Node) *Node {
				return c.Features(ctx, images)
			}, randomImages(8, 1, c.ImageSize, c.ImageSize, c.Channels))
		}
		if got, want := trainableParams(ctx), c.NumParams(); got != want {
			t.Errorf("%s: variables hold %d parameters, NumParams() = %d", tt.name, got, want)
		}
	}
}

// setGains gives every LayerNorm gain random non-zero values, so that the zero-initialised
// res-post-norms let the residual branches (and so drop path) show in the output.
func setGains(t *testing.T, ctx *context.Context) {
	t.Helper()
	rng := rand.New(rand.NewPCG(9, 9))
	for v := range ctx.IterVariables() {
		if v.Name() == "gain" {
			vals := randomFloats(rng, v.Shape().Size())
			for i := range vals {
				vals[i] = 1 + 0.5*vals[i]
			}
			v.MustSetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...))
		}
	}
}

func TestDropPath(t *testing.T) {
	c := tinyConfig()
	c.DropPathRate = 0.5
	noDrop := c
	noDrop.DropPathRate = 0
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(11))
	encode := func(c Config, training bool) func(ctx *context.Context, images *Node) *Node {
		return func(ctx *context.Context, images *Node) *Node {
			ctx.SetTraining(images.Graph(), training)
			return c.Encode(ctx, images, nil)
		}
	}
	infer := context.MustNewExec(testBackend(), ctx, encode(c, false))
	images := randomImages(10, 4, 16, 16, 1)
	_ = infer.MustExec1(images) // creates and initialises the variables
	setGains(t, ctx)

	inferA, inferB := flat(infer.MustExec1(images)), flat(infer.MustExec1(images))
	assertClose(t, "inference twice", inferA, inferB, 0)
	ref := context.MustNewExec(testBackend(), ctx.Reuse(), encode(noDrop, false))
	assertClose(t, "inference vs DropPathRate 0", inferA, flat(ref.MustExec1(images)), 0)

	trainExec := context.MustNewExec(testBackend(), ctx.Reuse(), encode(c, true))
	trainA, trainB := flat(trainExec.MustExec1(images)), flat(trainExec.MustExec1(images))
	differs := func(a, b []float32) bool {
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-4 {
				return true
			}
		}
		return false
	}
	if !differs(trainA, inferA) {
		t.Errorf("training output equals inference output: drop path inactive")
	}
	if !differs(trainA, trainB) {
		t.Errorf("two training passes are equal: drop path not random")
	}
}

func TestTrainingOverfits(t *testing.T) {
	c := tinyConfig()
	c.DropPathRate = 0.1 // keep drop path in the differentiated graph
	const batch, classes, steps = 8, 4, 20
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(42))
	model := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		feats := c.Features(ctx.In("backbone"), inputs[0])
		return []*Node{nn.Linear(ctx.In("head"), feats, true, classes)}
	}
	trainer := train.NewTrainer(testBackend(), ctx, model, losses.SparseCategoricalCrossEntropyLogits,
		optimizers.Adam().LearningRate(3e-3).Done(), nil, nil)
	images := randomImages(12, batch, 16, 16, 1)
	labels := make([]int32, batch)
	for i := range labels {
		labels[i] = int32(i % classes)
	}
	labelsT := tensors.FromFlatDataAndDimensions(labels, batch, 1)
	var loss []float32
	for range steps {
		metrics, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{labelsT})
		if err != nil {
			t.Fatalf("train step %d: %v", len(loss), err)
		}
		loss = append(loss, metrics[0].Value().(float32))
	}
	t.Logf("loss: %.3f", loss)
	first, last := loss[0], loss[len(loss)-1]
	if math.IsNaN(float64(last)) || last > 0.5*first {
		t.Errorf("loss went from %.3f to %.3f in %d steps; want at least halved", first, last, steps)
	}
}

func TestWindowSizeTransfer(t *testing.T) {
	// Train-time geometry: 16x16 images, grid 8 with windows 4 (shifted).
	small := tinyConfig()
	// Transfer geometry: 32x32 images, grid 16 with windows 8 (shifted), coordinates
	// normalised by the pretrained window 4, as Swin-V2 fine-tuning at a larger window does.
	large := small
	large.ImageSize, large.WindowSizes, large.PretrainedWindowSizes = 32, []int{8, 8}, []int{4, 4}

	ctx := context.New()
	_ = context.MustExecOnce(testBackend(), ctx, func(ctx *context.Context, images *Node) *Node {
		return small.Features(ctx, images)
	}, randomImages(13, 2, 16, 16, 1))
	before := map[string]shapes.Shape{}
	for v := range ctx.IterVariables() {
		before[v.ScopeAndName()] = v.Shape()
	}
	for _, name := range []string{"/stage_0/block_1/attn/cpb_mlp/fc1/weights", "/stage_1/block_0/attn/cpb_mlp/fc2/weights",
		"/stage_0/block_0/attn/logit_scale", "/stage_1/downsample/reduction/weights", "/norm/gain"} {
		if _, ok := before[name]; !ok {
			t.Errorf("expected variable %s", name)
		}
	}

	// Reuse() panics if the new geometry asks for any variable the checkpoint lacks.
	out := context.MustExecOnce(testBackend(), ctx.Reuse(), func(ctx *context.Context, images *Node) *Node {
		return large.Encode(ctx, images, nil)
	}, randomImages(14, 2, 32, 32, 1))
	if want := []int{2, 8, 8, 32}; !slices.Equal(out.Shape().Dimensions, want) {
		t.Errorf("transferred Encode shape %s, want %v", out.Shape(), want)
	}
	for i, v := range flat(out) {
		if math.IsNaN(float64(v)) {
			t.Fatalf("transferred output [%d] is NaN", i)
		}
	}
	after := 0
	for v := range ctx.IterVariables() {
		after++
		if s, ok := before[v.ScopeAndName()]; !ok {
			t.Errorf("new variable %s after changing the window", v.ScopeAndName())
		} else if !s.Equal(v.Shape()) {
			t.Errorf("%s changed shape %s -> %s", v.ScopeAndName(), s, v.Shape())
		}
	}
	if after != len(before) {
		t.Errorf("%d variables after transfer, %d before", after, len(before))
	}
}

// BenchmarkDemoTrainStep times one Adam step of the demo preset plus a linear head on a batch of
// 16 28x28x1 images (compilation excluded), for sizing CPU runs.
func BenchmarkDemoTrainStep(b *testing.B) {
	c := Presets()["swinv2-demo"]
	const batch, classes = 16, 10
	ctx := context.New()
	model := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		return []*Node{nn.Linear(ctx.In("head"), c.Features(ctx.In("backbone"), inputs[0]), true, classes)}
	}
	trainer := train.NewTrainer(testBackend(), ctx, model, losses.SparseCategoricalCrossEntropyLogits,
		optimizers.Adam().Done(), nil, nil)
	images := randomImages(15, batch, 28, 28, 1)
	labels := make([]int32, batch)
	for i := range labels {
		labels[i] = int32(i % classes)
	}
	labelsT := tensors.FromFlatDataAndDimensions(labels, batch, 1)
	step := func() {
		if _, err := trainer.TrainStep(nil, []*tensors.Tensor{images}, []*tensors.Tensor{labelsT}); err != nil {
			b.Fatal(err)
		}
	}
	step() // compile
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
