package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/fgia/fgia/fgia/pretrained"
)

func exportCmd(fs *flag.FlagSet) func() error {
	var o pretrained.ExportOptions
	fs.StringVar(&o.Run, "run", "", "run folder to export")
	fs.StringVar(&o.Checkpoint, "checkpoint", "", "checkpoint file (default: the run's newest)")
	fs.BoolVar(&o.EMA, "ema", false, "export the EMA weights (runs trained with --ema)")
	fs.StringVar(&o.Out, "out", "", "folder to create in timm's hub layout (config.json + model.safetensors): timm.create_model(\"local-dir:OUT\") loads it")
	fs.IntVar(&o.CheckImages, "check", 0, "also write "+pretrained.CheckFile+": N fixed input images and fgia's output on them, to compare with timm's")
	return func() error {
		if err := required("run", o.Run, "out", o.Out); err != nil {
			return err
		}
		if o.CheckImages > 0 {
			bi, err := newBackend()
			if err != nil {
				return err
			}
			o.Backend = bi.b
		}
		o.Log = os.Stderr
		if _, err := pretrained.Export(o); err != nil {
			return err
		}
		fmt.Printf("exported %s to %s\n", o.Run, o.Out)
		return nil
	}
}
