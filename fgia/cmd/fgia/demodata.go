package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/demodata"
)

func init() {
	register(command{name: "demo-data", group: "data",
		summary: "build the WebFashion-LT demo set from Fashion-MNIST",
		doc: `Turns Debian's Fashion-MNIST into a long-tailed (imbalance 100), web-noisy set in the competition
layout: unreadable files, copies filed under a second class, tiny images, charts and wrong labels,
each at the same rate in every class, wrong labels drawn from confusable classes (shirt for T-shirt).
The same seed gives the same bytes. The hidden labels (testa.txt, testb.txt, noise.txt) go to a
separate folder that training never reads.`,
		usage:    "--out DIR --labels-dir DIR [flags]",
		required: []string{"out", "labels-dir"},
		examples: []string{"fgia demo-data --out data/webfashion --labels-dir data/webfashion-labels", "fgia demo-data --quick --out build/quick/data --labels-dir build/quick/labels"},
		setup:    demoDataCmd})
}

func demoDataCmd(fs *flag.FlagSet) func() error {
	o := demodata.DefaultOptions()
	fs.StringVar(&o.Out, "out", "", "data folder to create (competition layout)")
	fs.StringVar(&o.Labels, "labels-dir", "", "folder for the hidden labels: testa.txt, testb.txt, noise.txt")
	fs.StringVar(&o.Labels, "labels", "", "same as --labels-dir (a folder)")
	fs.StringVar(&o.SourceDir, "source", "", "Fashion-MNIST IDX folder (default: Debian's /usr/share/datasets/fashion-mnist)")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed: the same seed gives the same bytes")
	fs.Float64Var(&o.Imbalance, "imbalance", o.Imbalance, "largest / smallest class size (1 = balanced)")
	fs.IntVar(&o.MaxPerClass, "max-per-class", o.MaxPerClass, "training images in the largest class (<= 6000)")
	fs.IntVar(&o.TestPerClass, "test-per-class", o.TestPerClass, "test images per class, split 40/60 into testa/testb (<= 1000)")
	scale := fs.Float64("noise-scale", 1, "multiply every noise rate (0 = a clean set)")
	reuse := fs.Bool("reuse", false, "keep an existing set built with the same options")
	quick := fs.Bool("quick", false, "the quick set of the tests and of `fgia reproduce --budget quick` (about 1K training images; sets the sizes and noise rates)")
	fs.IntVar(&o.Workers, "workers", 0, "encoding goroutines (default: one per CPU)")
	return func() error {
		if *scale < 0 {
			return fmt.Errorf("--noise-scale %g: want >= 0", *scale)
		}
		if *quick {
			q := demodata.QuickOptions(o.Out, o.Labels)
			o.MaxPerClass, o.TestPerClass, o.Noise = q.MaxPerClass, q.TestPerClass, q.Noise
		}
		n := &o.Noise
		for _, r := range []*float64{&n.Unreadable, &n.Duplicate, &n.Tiny, &n.Chart, &n.LabelNoise} {
			*r *= *scale
		}
		build := demodata.Build
		if *reuse {
			build = demodata.Ensure
		}
		res, err := build(o)
		if err != nil {
			return err
		}
		if res.Reused {
			fmt.Fprintf(stdout, "reused the demo set in %s\n", o.Out)
			return nil
		}
		fmt.Fprintf(stdout, "wrote %s: %d train files, %d testa, %d testb\nclass sizes before noise: %v\ninjected noise: %v\nhidden labels in %s\n",
			o.Out, res.Train, res.TestA, res.TestB, res.ClassCounts, res.Noise, o.Labels)
		return nil
	}
}
