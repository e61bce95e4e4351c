package pretrained

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/safetensors"
	"github.com/fgia/fgia/fgia/statedict"
	"github.com/fgia/fgia/fgia/timm"
)

// fixtureDir holds the models scripts/timm_fixtures.py wrote with timm.
const fixtureDir = "testdata/timm"

type fixture struct {
	Name   string `json:"name"`
	Folder string `json:"folder"` // a hub folder
	File   string `json:"file"`   // or an MMPretrain .pth ...
	Check  string `json:"check"`  // ... whose twin folder has the config and outputs
	Arch   string `json:"arch"`
	Family string `json:"family"`
}

func fixtures(t *testing.T) []fixture {
	raw, err := os.ReadFile(filepath.Join(fixtureDir, "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct{ Fixtures []fixture }
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Fixtures) < 8 {
		t.Fatalf("%d fixtures", len(idx.Fixtures))
	}
	return idx.Fixtures
}

// source returns the folder to import for a fixture: its own, or for an
// MMPretrain .pth a folder holding it as pytorch_model.bin beside its
// twin's config.json (a bare file's architecture would be timm's full-size
// default), and the folder with the expected outputs.
func (f fixture) source(t *testing.T) (weights, twin string) {
	if f.File == "" {
		dir := filepath.Join(fixtureDir, f.Folder)
		return dir, dir
	}
	twin = filepath.Join(fixtureDir, f.Check)
	dir := t.TempDir()
	copyFile(t, filepath.Join(fixtureDir, f.File), filepath.Join(dir, PytorchFile))
	copyFile(t, filepath.Join(twin, HubConfigFile), filepath.Join(dir, HubConfigFile))
	return dir, twin
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkData reads a fixture's inputs (NCHW, as timm takes them) as NHWC,
// and timm's output.
func checkData(t *testing.T, dir string) (*tensors.Tensor, *statedict.Tensor) {
	d, _, err := safetensors.Read(filepath.Join(dir, "check.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	img := d["images"].Permute(0, 2, 3, 1)
	return tensors.FromFlatDataAndDimensions(img.Data, img.Shape...), d["output"]
}

// relDiff is the largest |a - b| over the largest |b|.
func relDiff(a []float32, b []float32) (abs, rel float64) {
	scale := 0.0
	for i := range b {
		abs = math.Max(abs, math.Abs(float64(a[i])-float64(b[i])))
		scale = math.Max(scale, math.Abs(float64(b[i])))
	}
	return abs, abs / scale
}

// TestTimmParity imports every fixture and matches timm's outputs within
// 1e-4 relative: ViT with cls-token, average (fc_norm) and
// LayerNorm-then-average pooling, patch 16/14/8, gray and RGB, headless;
// Swin-V2 with shifted and clipped windows and with pretrained windows; and
// MMPretrain-keyed .pth copies.
func TestTimmParity(t *testing.T) {
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			weights, twin := f.source(t)
			src, err := Open(weights, "")
			if err != nil {
				t.Fatal(err)
			}
			if src.Arch.Family() != f.Family || src.Arch.Name != f.Arch {
				t.Fatalf("architecture %s (%s), want %s (%s)", src.Arch.Name, src.Arch.Family(), f.Arch, f.Family)
			}
			vars, _, err := timm.ToFgia(src.State, src.Arch)
			if err != nil {
				t.Fatal(err)
			}
			spec := model.Spec{ViT: src.Arch.ViT, SwinV2: src.Arch.SwinV2, Head: head.Config{Kind: head.Linear, Classes: src.Arch.NumClasses}}
			images, want := checkData(t, twin)
			out, err := Forward(b, spec, vars, images)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := tensors.CopyFlatData[float32](out)
			if len(got) != len(want.Data) {
				t.Fatalf("output %v, timm's %v", out.Shape().Dimensions, want.Shape)
			}
			abs, rel := relDiff(got, want.Data)
			t.Logf("%s: max |fgia - timm| = %.2e, relative %.2e", f.Arch, abs, rel)
			if rel > 1e-4 {
				t.Errorf("fgia differs from timm by %.2e relative (max abs %.2e)", rel, abs)
			}
		})
	}
}
