package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/fgia/fgia/fgia/modelzoo"
)

func init() {
	register(command{name: "models", group: "training",
		summary:  "list fgia's model presets and the timm architectures it imports (params, GFLOPs, input size)",
		usage:    "[--source fgia|timm] [--family vit|swinv2] [--match TEXT]",
		examples: []string{"fgia models --family swinv2"},
		setup:    modelsCmd})
}

func modelsCmd(fs *flag.FlagSet) func() error {
	source := fs.String("source", "", "only fgia presets (fgia) or importable timm architectures (timm)")
	family := fs.String("family", "", "only one family: vit or swinv2")
	match := fs.String("match", "", "only names containing this text")
	return func() error {
		all, err := modelzoo.List()
		if err != nil {
			return err
		}
		var keep []modelzoo.Entry
		for _, e := range all {
			if (*source == "" || e.Source == *source) && (*family == "" || e.Family == *family) && strings.Contains(e.Name, *match) {
				keep = append(keep, e)
			}
		}
		if len(keep) == 0 {
			return fmt.Errorf("no model matches --source %q --family %q --match %q", *source, *family, *match)
		}
		return modelzoo.Print(stdout, keep)
	}
}
