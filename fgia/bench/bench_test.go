package bench

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/backend"
)

func TestRunReportsThroughput(t *testing.T) {
	b, err := backend.NewWithConfig(backend.PureGo)
	if err != nil {
		t.Fatal(err)
	}
	r, err := RunSetup(b, BenchViT(), Options{Steps: 2, WarmupSteps: 1, TrainBatch: 8, InferBatch: 8, Seed: 1}, Setup{})
	if err != nil {
		t.Fatal(err)
	}
	if r.TrainImgPerS <= 0 || r.InferImgPerS <= 0 || r.TrainCPUPerStep <= 0 || r.InferCPUPerBatch <= 0 || r.ParamCount != 138368 {
		t.Errorf("result %+v", r)
	}
	var tr, in, tc, ic float64
	if n, err := fmt.Sscanf(r.Line(), "train_img_per_s=%g infer_img_per_s=%g train_cpu_s_per_step=%g infer_cpu_s_per_batch=%g", &tr, &in, &tc, &ic); n != 4 || err != nil || !strings.HasPrefix(r.Line(), "train_img_per_s=") {
		t.Errorf("last line %q does not parse: %v", r.Line(), err)
	}
}

// BenchmarkTrainStep profiles the bench ViT's training step on each backend
// (go test -bench TrainStep -cpuprofile cpu.out ./fgia/bench).
func BenchmarkTrainStep(b *testing.B) {
	configs := map[string]string{"purego": backend.PureGo}
	if p := backend.FindPlugin(); p != "" {
		configs["xla"] = "xla:" + p
	}
	for name, cfg := range configs {
		b.Run(name, func(b *testing.B) {
			be, err := backend.NewWithConfig(cfg)
			if err != nil {
				b.Fatal(err)
			}
			o := DefaultOptions()
			o.Steps, o.WarmupSteps = b.N, 2
			b.ResetTimer()
			r, err := RunSetup(be, BenchViT(), o, Setup{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(r.TrainImgPerS, "train_img/s")
		})
	}
}
