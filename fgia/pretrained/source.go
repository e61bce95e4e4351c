package pretrained

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fgia/fgia/fgia/mmpretrain"
	"github.com/fgia/fgia/fgia/safetensors"
	"github.com/fgia/fgia/fgia/statedict"
	"github.com/fgia/fgia/fgia/timm"
	"github.com/fgia/fgia/fgia/torchfile"
)

// Files of a timm model folder in the hub layout.
const (
	HubConfigFile   = "config.json"
	SafetensorsFile = "model.safetensors"
	PytorchFile     = "pytorch_model.bin"
)

// Source is a checkpoint read and understood: its architecture, its
// preprocessing and its weights in timm's keys.
type Source struct {
	Path    string // the folder or file read
	Weights string // the weights file inside it
	Config  timm.HubConfig
	Arch    timm.Arch
	State   statedict.Dict // timm keys
	Notes   []string       // what reading did besides loading (wrappers, renames, drops)
}

// Open reads a timm model folder (config.json and model.safetensors or
// pytorch_model.bin) or a single weights file (.safetensors, .pth, .pt,
// .bin) in timm's or MMPretrain's keys. model, the timm architecture name,
// is needed for a file and overrides a folder's config.json.
func Open(path, model string) (*Source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("pretrained: %w", err)
	}
	s := &Source{Path: path, Weights: path}
	haveConfig := false
	if st.IsDir() {
		if s.Weights, err = weightsIn(path); err != nil {
			return nil, err
		}
		cfgPath := filepath.Join(path, HubConfigFile)
		if _, err := os.Stat(cfgPath); err == nil {
			if s.Config, err = timm.ReadHubConfig(cfgPath); err != nil {
				return nil, err
			}
			haveConfig = true
		}
	}
	switch {
	case model != "":
		if haveConfig && model != s.Config.Architecture {
			s.Notes = append(s.Notes, fmt.Sprintf("--model %s replaces config.json's architecture %s", model, s.Config.Architecture))
		}
		s.Config.Architecture = model
	case !haveConfig:
		return nil, fmt.Errorf("pretrained: %s has no %s: name the architecture with --model (a timm name such as vit_base_patch16_224 or swinv2_base_window12_192)", path, HubConfigFile)
	}
	if s.Arch, err = s.Config.Arch(); err != nil {
		return nil, err
	}
	if s.State, err = s.readWeights(); err != nil {
		return nil, err
	}
	if mmpretrain.Is(s.State) {
		renamed, dropped, err := mmpretrain.ToTimm(s.State, s.Arch.Family(), stages(s.Arch))
		if err != nil {
			return nil, err
		}
		s.State = renamed
		s.Notes = append(s.Notes, "MMPretrain keys renamed to timm's")
		if len(dropped) > 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("dropped %d keys that are not the encoder (%s, ...)", len(dropped), dropped[0]))
		}
	}
	if !haveConfig {
		// A bare file: the head is whatever the weights hold.
		s.Arch.NumClasses = headRows(s.State)
	}
	return s, nil
}

// weightsIn finds the weights file of a model folder.
func weightsIn(dir string) (string, error) {
	for _, name := range []string{SafetensorsFile, PytorchFile} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("pretrained: %s holds neither %s nor %s", dir, SafetensorsFile, PytorchFile)
}

func (s *Source) readWeights() (statedict.Dict, error) {
	switch ext := strings.ToLower(filepath.Ext(s.Weights)); ext {
	case ".safetensors":
		d, _, err := safetensors.Read(s.Weights)
		return d, err
	case ".pth", ".pt", ".bin", ".ckpt":
		d, wrapper, err := torchfile.Read(s.Weights)
		if wrapper != "" {
			s.Notes = append(s.Notes, fmt.Sprintf("state dict read from the checkpoint's %q entry", wrapper))
		}
		return d, err
	default:
		return nil, fmt.Errorf("pretrained: %s: unknown weights format %q (want .safetensors, .pth, .pt or .bin)", s.Weights, ext)
	}
}

func stages(a timm.Arch) int {
	if a.SwinV2 != nil {
		return len(a.SwinV2.Depths)
	}
	return 0
}

// headRows is the number of classes of a timm state dict's linear head,
// 0 when it has none.
func headRows(d statedict.Dict) int {
	for _, k := range []string{"head.weight", "head.fc.weight"} {
		if t, ok := d[k]; ok && len(t.Shape) == 2 {
			return t.Shape[0]
		}
	}
	return 0
}
