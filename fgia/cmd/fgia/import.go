package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/fgia/fgia/fgia/hub"
	"github.com/fgia/fgia/fgia/pretrained"
)

func importCmd(fs *flag.FlagSet) func() error {
	var o pretrained.ImportOptions
	fs.StringVar(&o.Weights, "weights", "", "a timm model folder (config.json + model.safetensors or pytorch_model.bin) or one .safetensors/.pth/.bin file (timm or MMPretrain keys; needs --model)")
	hubID := fs.String("hub", "", "download this Hugging Face model first, e.g. timm/vit_base_patch16_224.augreg_in21k (cached under FGIA_HUB_CACHE, default ~/.cache/fgia/hub)")
	fs.StringVar(&o.Model, "model", "", "timm architecture name (fgia models --source timm): required for a single file, overrides config.json")
	fs.IntVar(&o.NumClasses, "num-classes", 0, "replace the head by a new zero head of N classes (default: keep the checkpoint's)")
	fs.IntVar(&o.ImgSize, "img-size", 0, "import at another input size: ViT position embeddings resized, Swin-V2 windows scaled")
	fs.StringVar(&o.Out, "out", "", "run folder to create (config.json + checkpoints/); written only when the import succeeds")
	return func() error {
		if err := required("out", o.Out); err != nil {
			return err
		}
		switch {
		case (o.Weights == "") == (*hubID == ""):
			return fmt.Errorf("give one of --weights or --hub")
		case *hubID != "":
			c := hub.NewClient()
			c.Log = os.Stderr
			dir, err := c.Download(*hubID)
			if err != nil {
				return err
			}
			o.Weights, o.Origin = dir, "hf-hub:"+*hubID
		}
		o.Log = os.Stderr
		if _, err := pretrained.Import(o); err != nil {
			return err
		}
		fmt.Printf("imported %s into %s\n", o.Weights, o.Out)
		return nil
	}
}
