package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/model"
)

// availableMemory is the host's MemAvailable (Linux), or 0 when unknown.
func availableMemory() float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// checkFits refuses, before any graph is built, a training run whose
// estimated memory exceeds what a CPU backend has (an accelerator's memory
// is the backend's to report; there the run goes ahead).
func checkFits(spec model.Spec, batch int, ema bool, backendConfig string) error {
	if !strings.HasPrefix(backendConfig, "go") && !strings.Contains(backendConfig, "cpu") {
		return nil
	}
	avail := availableMemory()
	need := spec.TrainMemoryBytes(batch, ema)
	if avail == 0 || need <= avail {
		return nil
	}
	perImage := spec.TrainMemoryBytes(1, ema) - spec.TrainMemoryBytes(0, ema)
	fits := int((avail - spec.TrainMemoryBytes(0, ema)) / max(perImage, 1))
	hint := "use a smaller preset"
	if fits >= 1 {
		hint = fmt.Sprintf("lower --batch to about %d (and --accum %d to keep the effective batch), or use a smaller preset", fits, (batch+fits-1)/fits)
	}
	return fmt.Errorf("this model needs about %s to train at batch %d (estimate: weights, gradients, AdamW moments and activations), the machine has %s available: %s",
		gib(need), batch, gib(avail), hint)
}

func gib(b float64) string {
	if b >= 1<<40 {
		return fmt.Sprintf("%.1f TiB", b/(1<<40))
	}
	return fmt.Sprintf("%.1f GiB", b/(1<<30))
}
