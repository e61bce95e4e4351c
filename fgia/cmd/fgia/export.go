package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/pretrained"
)

func init() {
	register(command{name: "export", group: "training",
		summary: "export a run's weights in timm's hub layout (config.json + model.safetensors)",
		doc: `Writes a trained run as a timm model folder: timm.create_model("local-dir:OUT") loads it and gives
fgia's outputs (checked by make timm-parity). Cosine and ArcFace-family heads have no timm
equivalent: such runs export their backbone only.`,
		usage:    "--run RUN --out DIR [--check N]",
		required: []string{"run", "out"},
		examples: []string{"fgia export --run runs/vit --out build/vit-timm"},
		setup:    exportCmd})
}

func exportCmd(fs *flag.FlagSet) func() error {
	var o pretrained.ExportOptions
	fs.StringVar(&o.Run, "run", "", "run folder to export")
	fs.StringVar(&o.Checkpoint, "checkpoint", "", "checkpoint file (default: the run's newest)")
	fs.BoolVar(&o.EMA, "ema", false, "export the EMA weights (runs trained with --ema)")
	fs.StringVar(&o.Out, "out", "", "folder to create in timm's hub layout (config.json + model.safetensors): timm.create_model(\"local-dir:OUT\") loads it")
	fs.IntVar(&o.CheckImages, "check", 0, "also write "+pretrained.CheckFile+": N fixed input images and fgia's output on them, to compare with timm's")
	return func() error {
		if o.CheckImages > 0 {
			bi, err := newBackend()
			if err != nil {
				return err
			}
			o.Backend = bi.b
		}
		o.Log = stderr
		if _, err := pretrained.Export(o); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "exported %s to %s\n", o.Run, o.Out)
		return nil
	}
}
