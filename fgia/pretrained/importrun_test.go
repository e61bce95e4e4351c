package pretrained

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/timm"
	"github.com/fgia/fgia/fgia/train"
)

// TestImportWritesAnOrdinaryRun: the run folder has the architecture, the
// model's preprocessing and a checkpoint that --init and prediction read.
func TestImportWritesAnOrdinaryRun(t *testing.T) {
	for _, tc := range []struct {
		fixture       string
		classes, size int // --num-classes, --img-size (0: keep)
		wantSide      int
		wantClasses   int
		check         func(t *testing.T, spec model.Spec, vars map[string][]int)
	}{
		{fixture: "vit_avg_patch14", wantSide: 28, wantClasses: 4,
			check: func(t *testing.T, spec model.Spec, vars map[string][]int) {
				if spec.ViT.Pool != vit.PoolAvg || spec.ViT.PatchSize != 14 {
					t.Errorf("pool %s patch %d", spec.ViT.Pool, spec.ViT.PatchSize)
				}
			}},
		{fixture: "vit_avg_patch14", classes: 7, size: 56, wantSide: 56, wantClasses: 7,
			check: func(t *testing.T, spec model.Spec, vars map[string][]int) {
				if got := vars["/backbone/pos_embed"]; !slices.Equal(got, []int{1, 17, 16}) {
					t.Errorf("position embedding %v, want [1 17 16] (a 4x4 grid and the cls token)", got)
				}
				if got := vars["/head/weights"]; !slices.Equal(got, []int{16, 7}) {
					t.Errorf("head %v, want [16 7]", got)
				}
			}},
		{fixture: "vit_cls", wantSide: 32, wantClasses: 5},
		{fixture: "swinv2", size: 64, wantSide: 64, wantClasses: 5,
			check: func(t *testing.T, spec model.Spec, vars map[string][]int) {
				s := spec.SwinV2
				if !slices.Equal(s.WindowSizes, []int{8, 8}) || !slices.Equal(s.PretrainedWindowSizes, []int{4, 4}) {
					t.Errorf("windows %v pretrained %v, want [8 8] from [4 4]", s.WindowSizes, s.PretrainedWindowSizes)
				}
			}},
		{fixture: "vit_headless", wantSide: 16, wantClasses: 0,
			check: func(t *testing.T, spec model.Spec, vars map[string][]int) {
				if _, ok := vars["/head/weights"]; ok {
					t.Error("a headless import has a head")
				}
			}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			ri, err := Import(ImportOptions{Weights: filepath.Join(fixtureDir, tc.fixture), Out: out, NumClasses: tc.classes, ImgSize: tc.size})
			if err != nil {
				t.Fatal(err)
			}
			read, err := train.ReadRunInfo(out)
			if err != nil {
				t.Fatal(err)
			}
			cfg := read.Config
			if side, _ := cfg.Model.InputSize(); side != tc.wantSide || cfg.Eval.Size != side {
				t.Errorf("input %d, eval size %d, want %d", side, cfg.Eval.Size, tc.wantSide)
			}
			if cfg.Model.Head.Classes != tc.wantClasses || cfg.Model.Head.Kind != head.Linear {
				t.Errorf("head %+v, want linear %d", cfg.Model.Head, tc.wantClasses)
			}
			// The preprocessing is pretrained_cfg's (a gray model's mean
			// is the mean of the RGB statistics, as timm takes it).
			hub, err := timm.ReadHubConfig(filepath.Join(fixtureDir, tc.fixture, HubConfigFile))
			if err != nil {
				t.Fatal(err)
			}
			p := hub.Pretrained
			mean := float32s(p.Mean)
			if cfg.Eval.Gray && len(p.Mean) == 3 {
				mean = []float32{float32((p.Mean[0] + p.Mean[1] + p.Mean[2]) / 3)}
			}
			if !slices.Equal(cfg.Eval.Mean, mean) || cfg.Eval.CropPct != p.CropPct || cfg.Eval.Interpolation != p.Interpolation {
				t.Errorf("eval preprocessing %+v, pretrained_cfg %+v", cfg.Eval, p)
			}
			if read.Init != ri.Init || read.Init != filepath.Join(fixtureDir, tc.fixture) {
				t.Errorf("init %q", read.Init)
			}
			ck, err := checkpoint.Latest(filepath.Join(out, train.CheckpointsDir))
			if err != nil || ck == "" {
				t.Fatalf("checkpoint %q, %v", ck, err)
			}
			c, err := checkpoint.Load(ck)
			if err != nil {
				t.Fatal(err)
			}
			vars := map[string][]int{}
			for p, v := range c.Tensors {
				vars[p] = v.Shape().Dimensions
			}
			// Every variable the architecture has, and nothing else.
			arch, err := timm.FromBackbone(cfg.Model.ViT, cfg.Model.SwinV2, tc.wantClasses)
			if err != nil {
				t.Fatal(err)
			}
			layout := arch.Layout()
			if len(layout) != len(vars) {
				t.Errorf("%d variables, the architecture has %d", len(vars), len(layout))
			}
			for _, v := range layout {
				if !slices.Equal(vars[v.Path], v.Shape) {
					t.Errorf("%s: %v, want %v", v.Path, vars[v.Path], v.Shape)
				}
			}
			// --init loads it into the same architecture with another head.
			spec := cfg.Model
			spec.Head = head.Config{Kind: head.Linear, Classes: 3}
			if err := train.InitBackbone(context.New(), out, spec); err != nil {
				t.Errorf("--init: %v", err)
			}
			if tc.check != nil {
				tc.check(t, cfg.Model, vars)
			}
		})
	}
}

// TestExportRoundTrip: exporting an imported run and importing the export
// gives back the same weights, bit for bit.
func TestExportRoundTrip(t *testing.T) {
	for _, f := range []string{"vit_cls", "vit_avg_patch14", "vit_gap", "vit_headless", "swinv2", "swinv2_transfer"} {
		t.Run(f, func(t *testing.T) {
			dir := t.TempDir()
			run, exp, again := filepath.Join(dir, "run"), filepath.Join(dir, "export"), filepath.Join(dir, "again")
			if _, err := Import(ImportOptions{Weights: filepath.Join(fixtureDir, f), Out: run}); err != nil {
				t.Fatal(err)
			}
			arch, err := Export(ExportOptions{Run: run, Out: exp})
			if err != nil {
				t.Fatal(err)
			}
			src, err := Open(filepath.Join(fixtureDir, f), "")
			if err != nil {
				t.Fatal(err)
			}
			if arch.Name != src.Arch.Name {
				t.Errorf("exported as %s, imported from %s", arch.Name, src.Arch.Name)
			}
			if _, err := Import(ImportOptions{Weights: exp, Out: again}); err != nil {
				t.Fatal(err)
			}
			a, _, err := runWeights(run, "", false)
			if err != nil {
				t.Fatal(err)
			}
			b, _, err := runWeights(again, "", false)
			if err != nil {
				t.Fatal(err)
			}
			if len(a) != len(b) {
				t.Fatalf("%d variables, %d after the round trip", len(a), len(b))
			}
			for p, x := range a {
				y := b[p]
				if y == nil || !slices.Equal(x.Shape, y.Shape) || !slices.Equal(x.Data, y.Data) {
					t.Fatalf("%s changed in the round trip", p)
				}
			}
			r1, _ := train.ReadRunInfo(run)
			r2, _ := train.ReadRunInfo(again)
			if !slices.Equal(r1.Config.Eval.Mean, r2.Config.Eval.Mean) || r1.Config.Eval.CropPct != r2.Config.Eval.CropPct {
				t.Errorf("preprocessing changed: %+v -> %+v", r1.Config.Eval, r2.Config.Eval)
			}
		})
	}
}

func TestResizeSwin(t *testing.T) {
	base, _ := swinv2.Preset("swinv2-b")
	for _, tc := range []struct {
		from          swinv2.Config
		size          int
		win, pre      []int
		wantErrSubstr string
	}{
		// timm's window12_192 -> window12to24_192to384.
		{func() swinv2.Config {
			c := base.Clone()
			c.ImageSize = 192
			c.WindowSizes = []int{12, 12, 12, 12}
			c.PretrainedWindowSizes = []int{0, 0, 0, 0}
			return c
		}(),
			384, []int{24, 24, 24, 12}, []int{12, 12, 12, 6}, ""},
		// Pretrained windows already set stay.
		{func() swinv2.Config {
			c := base.Clone()
			c.ImageSize = 256
			c.PretrainedWindowSizes = []int{12, 12, 12, 6}
			return c
		}(),
			384, []int{24, 24, 24, 12}, []int{12, 12, 12, 6}, ""},
		{base, 300, nil, nil, "does not scale"},
	} {
		got, err := ResizeSwin(tc.from, tc.size)
		if tc.wantErrSubstr != "" {
			if err == nil {
				t.Errorf("%d px: no error", tc.size)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.WindowSizes, tc.win) || !slices.Equal(got.PretrainedWindowSizes, tc.pre) || got.ImageSize != tc.size {
			t.Errorf("resized to %d: windows %v pretrained %v", tc.size, got.WindowSizes, got.PretrainedWindowSizes)
		}
	}
}

// TestInitSpec: --init keeps the preset when the weights fit it and takes
// the run's backbone (at the preset's size) when they do not.
func TestInitSpec(t *testing.T) {
	dir := t.TempDir()
	vitRun, swinRun := filepath.Join(dir, "vit"), filepath.Join(dir, "swin")
	if _, err := Import(ImportOptions{Weights: filepath.Join(fixtureDir, "vit_avg_patch14"), Out: vitRun}); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ImportOptions{Weights: filepath.Join(fixtureDir, "swinv2"), Out: swinRun}); err != nil {
		t.Fatal(err)
	}
	h := head.Config{Kind: head.Linear, Classes: 3}
	bigViT := vit.Config{ImageSize: 56, Channels: 3, PatchSize: 4, Dim: 64, Depth: 2, Heads: 4, MLPRatio: 2, ClsToken: true, Pool: vit.PoolCls, NormEps: 1e-6, DropPathRate: 0.1}
	demoSwin, _ := swinv2.Preset("swinv2-demo")
	imported, _ := train.ReadRunInfo(swinRun)
	sameSwin := imported.Config.Model.SwinV2.Clone()
	sameSwin.ImageSize = 64
	sameSwin.WindowSizes = []int{8, 8}
	for _, tc := range []struct {
		name    string
		init    string
		preset  model.Spec
		adopted bool
		wantErr bool
		check   func(t *testing.T, s model.Spec)
	}{
		{"same body: the preset's", swinRun, model.Spec{SwinV2: &sameSwin, Head: h}, false, false, nil},
		{"other ViT: the run's at the preset's size", vitRun, model.Spec{ViT: &bigViT, Head: h}, true, false,
			func(t *testing.T, s model.Spec) {
				if s.ViT == nil || s.ViT.PatchSize != 14 || s.ViT.Dim != 16 || s.ViT.ImageSize != 56 || s.ViT.DropPathRate != 0.1 || s.Head != h {
					t.Errorf("spec %+v %+v", s.ViT, s.Head)
				}
			}},
		{"other family: the run's", swinRun, model.Spec{ViT: &bigViT, Head: h}, true, false,
			func(t *testing.T, s model.Spec) {
				if s.SwinV2 == nil || s.ViT != nil || s.SwinV2.ImageSize != 56 {
					t.Errorf("spec %+v", s)
				}
			}},
		{"channels differ", swinRun, model.Spec{SwinV2: &demoSwin, Head: h}, false, true, nil},
		{"a checkpoint file: the preset's", filepath.Join(vitRun, "checkpoints", checkpoint.Name(0)), model.Spec{ViT: &bigViT, Head: h}, false, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg, err := InitSpec(tc.init, tc.preset)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v", err)
			}
			if err != nil {
				return
			}
			if (msg != "") != tc.adopted {
				t.Errorf("message %q", msg)
			}
			if !tc.adopted && (got.ViT != tc.preset.ViT || got.SwinV2 != tc.preset.SwinV2) {
				t.Error("the preset's backbone was replaced")
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}
