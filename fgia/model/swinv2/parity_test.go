package swinv2

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// timmParity is testdata/timm_parity.json, written by testdata/timm_reference.py: timm's
// Swin-V2 forward restated in NumPy (float64) on closed-form parameters.
type timmParity struct {
	Config struct {
		ImageH   int `json:"image_h"`
		ImageW   int `json:"image_w"`
		Channels int
		Patch    int
		Embed    int
		Batch    int
		Depths   []int
		Heads    []int
		Windows  []int
		// Pretrained windows per stage, 0 = none.
		Pretrained []int
		MLPRatio   float64 `json:"mlp_ratio"`
		Eps        float64
	}
	ParamShapes map[string][]int `json:"param_shapes"`
	OutputShape []int            `json:"output_shape"`
	Output      []float64
}

// parityValue is the reference script's closed-form parameter rule.
func parityValue(name string, size int) []float32 {
	k := 0
	for _, b := range []byte(name) {
		k += int(b)
	}
	k %= 997
	out := make([]float32, size)
	for i := range out {
		s := math.Sin(1.7*float64(i) + 0.3*float64(k) + 0.1)
		switch {
		case strings.HasSuffix(name, "/gain"):
			out[i] = float32(1 + 0.2*s)
		case strings.HasSuffix(name, "/logit_scale"):
			out[i] = float32(4 + 1.5*s)
		default:
			out[i] = float32(0.1 * s)
		}
	}
	return out
}

// TestTimmParity checks the whole forward pass (shifted and clipped windows, a pretrained-window
// normalisation, the logit-scale clamp, patch merging, 3-channel patch embedding) against the
// timm-derived reference, and that the variable names and shapes are the ones it expects.
func TestTimmParity(t *testing.T) {
	raw, err := os.ReadFile("testdata/timm_parity.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref timmParity
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	rc := ref.Config
	c := Config{
		ImageSize: rc.ImageH, Channels: rc.Channels, PatchSize: rc.Patch, EmbedDim: rc.Embed,
		Depths: rc.Depths, Heads: rc.Heads, WindowSizes: rc.Windows, PretrainedWindowSizes: rc.Pretrained,
		MLPRatio: rc.MLPRatio, NormEps: rc.Eps,
	}
	n := rc.Batch * rc.ImageH * rc.ImageW * rc.Channels
	pixels := make([]float32, n)
	for i := range pixels {
		pixels[i] = float32(math.Sin(0.37 * float64(i)))
	}
	images := tensors.FromFlatDataAndDimensions(pixels, rc.Batch, rc.ImageH, rc.ImageW, rc.Channels)

	ctx := context.New()
	exec := context.MustNewExec(testBackend(), ctx, func(ctx *context.Context, images *Node) *Node {
		return c.Encode(ctx, images, nil)
	})
	_ = exec.MustExec1(images) // creates the variables
	seen := 0
	for v := range ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		name := v.ScopeAndName()
		want, ok := ref.ParamShapes[name]
		if !ok {
			t.Fatalf("variable %s unknown to the reference", name)
		}
		if !slices.Equal(v.Shape().Dimensions, want) {
			t.Fatalf("%s: shape %v, reference %v", name, v.Shape().Dimensions, want)
		}
		v.MustSetValue(tensors.FromFlatDataAndDimensions(parityValue(name, v.Shape().Size()), want...))
		seen++
	}
	if seen != len(ref.ParamShapes) {
		t.Fatalf("%d variables, the reference uses %d", seen, len(ref.ParamShapes))
	}
	out := exec.MustExec1(images)
	got := flat(out)
	if len(got) != len(ref.Output) {
		t.Fatalf("output shape %s, reference %v", out.Shape(), ref.OutputShape)
	}
	maxDiff := 0.0
	for i := range got {
		maxDiff = max(maxDiff, math.Abs(float64(got[i])-ref.Output[i]))
	}
	t.Logf("max |Go float32 - reference float64| = %.2g over %d values", maxDiff, len(got))
	if maxDiff > 5e-4 {
		t.Errorf("output differs from the timm reference by up to %g", maxDiff)
	}
}
