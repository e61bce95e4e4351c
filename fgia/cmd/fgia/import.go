package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/hub"
	"github.com/fgia/fgia/fgia/pretrained"
)

func init() {
	register(command{name: "import", group: "training",
		summary: "import pretrained timm / Hugging Face / MMPretrain weights as a run folder",
		doc: `Reads a timm model folder as the Hugging Face hub gives it (config.json + model.safetensors or
pytorch_model.bin), or one .safetensors/.pth/.bin file named with --model (timm or MMPretrain keys),
and writes an ordinary run folder: fgia predict uses its recorded preprocessing, fgia train --init
starts from its backbone with a new head. Nothing is written to --out unless the import succeeds;
a key whose shape does not fit is named with both shapes. docs/pretrained.md lists what imports.`,
		usage:    "(--weights PATH [--model NAME] | --hub timm/NAME) --out RUN [--num-classes N] [--img-size S]",
		required: []string{"out"},
		examples: []string{
			"fgia import --weights ~/models/vit_small_patch16_224 --out runs/vit-s-in21k",
			"fgia import --hub timm/swinv2_base_window12_192.ms_in22k --img-size 384 --out runs/swinv2-b",
		},
		setup: importCmd})
}

func importCmd(fs *flag.FlagSet) func() error {
	var o pretrained.ImportOptions
	fs.StringVar(&o.Weights, "weights", "", "a timm model folder (config.json + model.safetensors or pytorch_model.bin) or one .safetensors/.pth/.bin file (timm or MMPretrain keys; needs --model)")
	hubID := fs.String("hub", "", "download this Hugging Face model first, e.g. timm/vit_base_patch16_224.augreg_in21k (cached under FGIA_HUB_CACHE, default ~/.cache/fgia/hub)")
	fs.StringVar(&o.Model, "model", "", "timm architecture name (fgia models --source timm): required for a single file, overrides config.json")
	fs.IntVar(&o.NumClasses, "num-classes", 0, "replace the head by a new zero head of N classes (default: keep the checkpoint's)")
	fs.IntVar(&o.ImgSize, "img-size", 0, "import at another input size: ViT position embeddings resized, Swin-V2 windows scaled")
	fs.StringVar(&o.Out, "out", "", "run folder to create (config.json + checkpoints/); written only when the import succeeds")
	return func() error {
		switch {
		case (o.Weights == "") == (*hubID == ""):
			return fmt.Errorf("give one of --weights or --hub")
		case *hubID != "":
			c := hub.NewClient()
			c.Log = stderr
			dir, err := c.Download(*hubID)
			if err != nil {
				return err
			}
			o.Weights, o.Origin = dir, "hf-hub:"+*hubID
		}
		o.Log = stderr
		if _, err := pretrained.Import(o); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %s into %s\n", o.Weights, o.Out)
		return nil
	}
}
