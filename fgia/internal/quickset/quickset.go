// Package quickset gives tests one small, cleaned WebFashion-LT (about 750
// training images) per test process, built on first use.
package quickset

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fgia/fgia/fgia/clean"
	"github.com/fgia/fgia/fgia/demodata"
	"github.com/fgia/fgia/fgia/fashionmnist"
)

var (
	once              sync.Once
	dataDir, labelDir string
	buildErr          error
)

// Dirs returns the data and hidden-labels folders of the quick set, built
// with demodata.QuickOptions and cleaned with the default options. It skips
// the test when Debian's dataset-fashion-mnist is not installed.
func Dirs(tb testing.TB) (data, labels string) {
	tb.Helper()
	if _, err := os.Stat(fashionmnist.DefaultDir); err != nil {
		tb.Skip("dataset-fashion-mnist is not installed (make test installs it)")
	}
	once.Do(func() {
		dir, err := os.MkdirTemp("", "fgia-quickset")
		if err != nil {
			buildErr = err
			return
		}
		o := demodata.QuickOptions(filepath.Join(dir, "data"), filepath.Join(dir, "labels"))
		if _, buildErr = demodata.Build(o); buildErr != nil {
			return
		}
		co := clean.DefaultOptions()
		co.Quiet, co.Log = true, nil
		if _, buildErr = clean.Run(o.Out, co); buildErr == nil {
			dataDir, labelDir = o.Out, o.Labels
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return dataDir, labelDir
}
