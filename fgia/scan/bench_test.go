package scan

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/demodata"
	"github.com/fgia/fgia/fgia/fashionmnist"
)

// benchFiles returns the files of FGIA_SCAN_DIR (scripts/bench_scan.sh sets
// it, so the Python peer scans the very same files), or builds a balanced
// demo set of about 20K training files.
func benchFiles(b *testing.B) (string, []string) {
	root := os.Getenv("FGIA_SCAN_DIR")
	if root == "" {
		if _, err := os.Stat(fashionmnist.DefaultDir); err != nil {
			b.Skip("dataset-fashion-mnist is not installed")
		}
		dir := b.TempDir()
		o := demodata.QuickOptions(filepath.Join(dir, "data"), filepath.Join(dir, "labels"))
		o.Imbalance, o.MaxPerClass, o.TestPerClass = 1, 2000, 0
		if _, err := demodata.Build(o); err != nil {
			b.Fatal(err)
		}
		root = filepath.Join(o.Out, dataset.TrainDir)
	}
	files, err := dataset.Layout{Root: root}.ListFiles(".")
	if err != nil {
		b.Fatal(err)
	}
	if len(files) < 20000 {
		b.Logf("only %d files under %s (the goal is measured on at least 20K)", len(files), root)
	}
	return root, files
}

// BenchmarkScan measures the full check (read, SHA-1, header, decode) of
// every file, on all cores and on one.
func BenchmarkScan(b *testing.B) {
	root, files := benchFiles(b)
	for _, workers := range []int{runtime.NumCPU(), 1} {
		name := "workers=all"
		if workers == 1 {
			name = "workers=1"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Files(root, files, Options{Workers: workers, Quiet: true})
			}
			b.ReportMetric(float64(len(files)*b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}
