// Package modelzoo is the one list of the models fgia builds, as timm's
// list_models or MMPretrain's metafiles: fgia's own presets (fgia/model/vit,
// fgia/model/swinv2) and the timm architectures it imports (fgia/timm),
// each with its size, its cost at its input size, the timm names whose
// weights load into it and the training presets (fgia/preset) that train
// it. `fgia models` prints it.
package modelzoo

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/preset"
	"github.com/fgia/fgia/fgia/timm"
)

// Sources of an entry.
const (
	FromFgia = "fgia" // a preset of fgia's
	FromTimm = "timm" // an importable timm architecture
)

// Entry is one model.
type Entry struct {
	Name    string
	Source  string // FromFgia or FromTimm
	Family  string // "vit" or "swinv2"
	Params  int    // backbone parameters (no head)
	GFLOPs  float64
	Side    int // input side
	Channel int // input channels
	// Timm lists the registered timm architectures with this model's
	// transformer body (for a timm entry, the others besides itself).
	Timm []string
	// Recipes lists the training presets (fgia train --preset) that train
	// this model preset.
	Recipes []string
	Doc     string
}

// List returns every fgia preset, then every importable timm architecture,
// each sorted by name.
func List() ([]Entry, error) {
	var out []Entry
	add := func(name, source, doc string, v *vit.Config, s *swinv2.Config, self string) error {
		b, err := model.Spec{ViT: v, SwinV2: s}.Backbone()
		if err != nil {
			return fmt.Errorf("modelzoo: %s: %w", name, err)
		}
		a, err := timm.FromBackbone(v, s, 0)
		if err != nil {
			return err
		}
		var names []string
		for _, n := range timm.Matches(a) {
			if n != self {
				names = append(names, n)
			}
		}
		side, ch := a.InputSize()
		out = append(out, Entry{Name: name, Source: source, Family: a.Family(), Params: b.NumParams(),
			GFLOPs: b.FLOPsPerImage() / 1e9, Side: side, Channel: ch, Timm: names, Doc: doc})
		return nil
	}
	recipes, err := recipesByBackbone()
	if err != nil {
		return nil, err
	}
	for _, n := range vit.Registry.Names() {
		c, _ := vit.Preset(n)
		if err := add(n, FromFgia, vit.Registry.Doc(n), &c, nil, ""); err != nil {
			return nil, err
		}
		out[len(out)-1].Recipes = recipes[backboneKey(&c, nil)]
	}
	for _, n := range swinv2.Registry.Names() {
		c, _ := swinv2.Preset(n)
		if err := add(n, FromFgia, swinv2.Registry.Doc(n), nil, &c, ""); err != nil {
			return nil, err
		}
		out[len(out)-1].Recipes = recipes[backboneKey(nil, &c)]
	}
	for _, n := range timm.Registry.Names() {
		a, _ := timm.ParseName(n)
		if err := add(n, FromTimm, timm.Registry.Doc(n), a.ViT, a.SwinV2, n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// recipesByBackbone groups the training presets by their backbone.
func recipesByBackbone() (map[string][]string, error) {
	out := map[string][]string{}
	for _, name := range preset.Names() {
		cfg, err := preset.Get(name, 10)
		if err != nil {
			return nil, fmt.Errorf("modelzoo: %w", err)
		}
		k := backboneKey(cfg.Model.ViT, cfg.Model.SwinV2)
		out[k] = append(out[k], name)
	}
	return out, nil
}

// backboneKey identifies a backbone's architecture: its configuration
// without the drop-path rate, which recipes tune.
func backboneKey(v *vit.Config, s *swinv2.Config) string {
	if v != nil {
		c := *v
		c.DropPathRate = 0
		b, _ := json.Marshal(c)
		return "vit" + string(b)
	}
	c := s.Clone()
	c.DropPathRate = 0
	b, _ := json.Marshal(c)
	return "swinv2" + string(b)
}

// Print writes entries as an aligned table.
func Print(w io.Writer, entries []Entry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tsource\tfamily\tparams\tGFLOPs\tinput\ttimm weights that load\ttraining presets\tabout")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2fM\t%.2f\t%dx%dx%d\t%s\t%s\t%s\n", e.Name, e.Source, e.Family,
			float64(e.Params)/1e6, e.GFLOPs, e.Side, e.Side, e.Channel, orDash(e.Timm), orDash(e.Recipes), e.Doc)
	}
	return tw.Flush()
}

func orDash(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ", ")
}
