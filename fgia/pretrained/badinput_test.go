package pretrained

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/safetensors"
	"github.com/fgia/fgia/fgia/statedict"
)

// hubCopy copies a fixture folder into a temporary one, applying edit to
// its weights and cfg to its parsed config.json (either may be nil).
func hubCopy(t *testing.T, name string, edit func(statedict.Dict), cfg func(map[string]any)) string {
	t.Helper()
	src := filepath.Join(fixtureDir, name)
	dir := t.TempDir()
	d, meta, err := safetensors.Read(filepath.Join(src, SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(d)
	}
	if err := safetensors.Write(filepath.Join(dir, SafetensorsFile), d, meta); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(src, HubConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		cfg(m)
		if raw, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, HubConfigFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// truncated copies a file, keeping only the first fraction of its bytes.
func truncated(t *testing.T, path string, fraction float64) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(out, b[:int(float64(len(b))*fraction)], 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportBadInput: every kind of checkpoint that does not fit gets an
// error naming the key (and both shapes where shapes differ), and nothing
// is written at --out.
func TestImportBadInput(t *testing.T) {
	vitCls := filepath.Join(fixtureDir, "vit_cls", SafetensorsFile)
	mmPth := filepath.Join(fixtureDir, "vit_avg_patch14_mmpretrain.pth")
	for _, tc := range []struct {
		name    string
		weights func(t *testing.T) string
		model   string
		want    []string // substrings of the error
	}{
		{"shape does not fit", func(t *testing.T) string {
			return hubCopy(t, "vit_cls", func(d statedict.Dict) { d["head.weight"] = statedict.Zeros(6, 16) }, nil)
		}, "", []string{"head.weight: checkpoint [6 16], vit_tiny_patch16_224 wants [5 16]"}},
		{"unknown key", func(t *testing.T) string {
			return hubCopy(t, "vit_cls", func(d statedict.Dict) { d["blocks.0.ls1.gamma"] = statedict.Zeros(16) }, nil)
		}, "", []string{"unknown keys: blocks.0.ls1.gamma"}},
		{"missing key", func(t *testing.T) string {
			return hubCopy(t, "vit_cls", func(d statedict.Dict) { delete(d, "blocks.1.mlp.fc2.bias") }, nil)
		}, "", []string{"missing keys: blocks.1.mlp.fc2.bias [16]"}},
		{"missing qkv bias where the model has one", func(t *testing.T) string {
			return hubCopy(t, "vit_cls", func(d statedict.Dict) { delete(d, "blocks.0.attn.qkv.bias") }, nil)
		}, "", []string{"missing keys: blocks.0.attn.qkv.bias [48]"}},
		{"unsupported model argument", func(t *testing.T) string {
			return hubCopy(t, "vit_cls", nil, func(m map[string]any) { m["model_args"].(map[string]any)["init_values"] = 1e-5 })
		}, "", []string{"init_values", "fgia builds only"}},
		{"unknown architecture", func(t *testing.T) string {
			return hubCopy(t, "vit_cls", nil, func(m map[string]any) { m["architecture"] = "vit_tiny_patch16_225" })
		}, "", []string{`unknown timm architecture "vit_tiny_patch16_225"`, "vit_tiny_patch16_224"}},
		{"bare file without --model", func(*testing.T) string { return vitCls }, "", []string{"--model"}},
		{"bare file at timm's default size", func(*testing.T) string { return vitCls }, "vit_tiny_patch16_224",
			[]string{"patch_embed.proj.weight: checkpoint [16 1 16 16], vit_tiny_patch16_224 wants [192 3 16 16]"}},
		{"truncated safetensors", func(t *testing.T) string { return truncated(t, vitCls, 0.6) }, "vit_tiny_patch16_224",
			[]string{"truncated"}},
		{"truncated .pth", func(t *testing.T) string { return truncated(t, mmPth, 0.6) }, "vit_large_patch14_224",
			[]string{"truncated or damaged"}},
		{"not a checkpoint", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "notes.pth")
			os.WriteFile(p, []byte("hello, not a checkpoint"), 0o644)
			return p
		}, "vit_tiny_patch16_224", []string{"not a PyTorch checkpoint"}},
		{"unknown format", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "weights.npz")
			os.WriteFile(p, []byte("x"), 0o644)
			return p
		}, "vit_tiny_patch16_224", []string{"unknown weights format"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "run")
			_, err := Import(ImportOptions{Weights: tc.weights(t), Model: tc.model, Out: out})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if left, _ := os.ReadDir(parent); len(left) > 0 {
				t.Errorf("a failed import left %v", left[0].Name())
			}
		})
	}
}

func TestImportRefusesAFullFolder(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "keep.txt"), []byte("mine"), 0o644)
	_, err := Import(ImportOptions{Weights: filepath.Join(fixtureDir, "vit_cls"), Out: out})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("error %v, want a not-empty refusal", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "keep.txt")); string(b) != "mine" {
		t.Error("the folder's file was touched")
	}
}
