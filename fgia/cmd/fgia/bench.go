package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/bench"
)

func benchCmd(fs *flag.FlagSet) func() error {
	o := bench.DefaultOptions()
	fs.IntVar(&o.Steps, "steps", o.Steps, "timed training steps (after warm-up)")
	fs.IntVar(&o.TrainBatch, "batch", o.TrainBatch, "training batch")
	fs.IntVar(&o.InferBatch, "infer-batch", o.InferBatch, "inference batch")
	return func() error {
		bi, err := newBackend()
		if err != nil {
			return err
		}
		spec := bench.BenchViT()
		r, err := bench.Run(bi.b, spec, o)
		if err != nil {
			return err
		}
		fmt.Printf("model: vit-bench (%d parameters, %.1f MFLOP forward per image)\n", r.ParamCount, r.FLOPsPerImageFwd/1e6)
		fmt.Printf("backend: %s\n", bi.c)
		fmt.Printf("train: %.1f ms/step at batch %d, first step (compilation) %s, %.1f GFLOP/s\n", r.TrainStepMS, o.TrainBatch, r.FirstTrainStep.Round(1e6), r.TrainGFLOPPerS)
		fmt.Printf("infer: batch %d, first batch %s, %.1f GFLOP/s\n", o.InferBatch, r.FirstInferBatch.Round(1e6), r.InferGFLOPPerS)
		fmt.Println(r.Line())
		return nil
	}
}
