// Package backend chooses the GoMLX backend the kit runs on, and never lets
// GoMLX choose by itself: unset, GoMLX v0.26 tries to download an XLA plugin,
// which fails offline.
//
// The order: an explicit GOMLX_BACKEND; else XLA's CPU PJRT plugin installed
// by `make` (scripts/install_deps.sh puts it in build/xla/), or the one named
// by FGIA_XLA_PLUGIN; else GoMLX's pure-Go backend ("go", simplego), which
// needs nothing installed. PJRT client options for an XLA plugin come from
// FGIA_PJRT_OPTIONS (see ParsePJRTOptions).
package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/default" // registers "go" (simplego) and "xla"

	_ "github.com/fgia/fgia/fgia/gemm" // gemm-based DotGeneral gradients for every graph built by the kit
)

// Environment variables read here.
const (
	EnvBackend = "GOMLX_BACKEND"   // GoMLX's own: "go", "xla:/abs/plugin.so", ...
	EnvPlugin  = "FGIA_XLA_PLUGIN" // path of an XLA PJRT CPU plugin to prefer
)

// PluginFile is the installed plugin's name under build/xla/.
const PluginFile = "pjrt_c_api_cpu_plugin.so"

// PureGo is the pure-Go backend's configuration. parallelism=-1 means an
// unlimited worker pool, not a sequential one: simplego v0.26.0 then starts
// every task in its own goroutine (backends/simplego/workerspool.go,
// WaitToStart/StartIfAvailable), and Go runs them on every core.
//
// Any finite limit can deadlock, as the default (parallelism = cores, at
// most 2 x cores tasks running) did in the first training step on 2 cores:
// executeParallel (exec.go) holds a pool slot for each running op, and ops
// that split their own work — the small-matrix DotGeneral
// (dotgeneral_small.go), the blocked one's batch loop (dotgeneral_large.go),
// Erf (exec_unary.go) — wait for further slots from inside theirs. When as
// many such ops run at once as there are slots, all of them wait forever.
// Whether that happens depends on the graph's width, not on the setting, so
// no finite value is safe; and unlimited already keeps both cores of this
// machine busy in a training step (CPU time ~1.8x wall time in the least
// disturbed runs here), leaving a finite value little to gain.
// parallelism=0 runs everything on one goroutine.
const PureGo = "go:parallelism=-1"

// Choice is a backend configuration and why it was chosen.
type Choice struct {
	Config string // for backends.NewWithConfig
	Why    string
	// PJRTOptions are the PJRT client options the backend was created
	// with (nil: none).
	PJRTOptions map[string]any
}

func (c Choice) String() string {
	if len(c.PJRTOptions) > 0 {
		return fmt.Sprintf("%s (%s; PJRT options %s)", c.Config, c.Why, FormatPJRTOptions(c.PJRTOptions))
	}
	return fmt.Sprintf("%s (%s)", c.Config, c.Why)
}

// Choose picks the backend configuration without creating it.
func Choose() Choice {
	if v := os.Getenv(EnvBackend); v != "" {
		return Choice{Config: v, Why: "GOMLX_BACKEND"}
	}
	if p := os.Getenv(EnvPlugin); p != "" {
		if abs, err := filepath.Abs(p); err == nil {
			return Choice{Config: "xla:" + abs, Why: EnvPlugin}
		}
	}
	if p := FindPlugin(); p != "" {
		return Choice{Config: "xla:" + p, Why: "installed XLA CPU plugin"}
	}
	return Choice{Config: PureGo, Why: "pure-Go fallback: no XLA plugin installed (run `make deps`)"}
}

// FindPlugin looks for build/xla/pjrt_c_api_cpu_plugin.so beside the running
// binary (build/bin/fgia) and in every folder from the working directory up
// to the filesystem root (tests and notebooks run inside the repository).
func FindPlugin() string {
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Join(filepath.Dir(exe), "..", "xla"))
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			dirs = append(dirs, filepath.Join(d, "build", "xla"))
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, PluginFile)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			if abs, err := filepath.Abs(p); err == nil {
				return abs
			}
		}
	}
	return ""
}

// New creates the chosen backend with the PJRT client options of
// FGIA_PJRT_OPTIONS, if any. GoMLX is told never to auto-install.
func New() (backends.Backend, Choice, error) {
	return NewWithPJRTOptions(os.Getenv(EnvPJRTOptions))
}

// NewWithPJRTOptions is New with the PJRT client options given
// (ParsePJRTOptions syntax) instead of read from FGIA_PJRT_OPTIONS. Options
// with a backend that is not XLA are an error rather than ignored: memory
// settings a user asked for would silently not apply.
func NewWithPJRTOptions(pjrtOptions string) (backends.Backend, Choice, error) {
	c := Choose()
	opts, err := ParsePJRTOptions(pjrtOptions)
	if err != nil {
		return nil, c, err
	}
	if len(opts) == 0 {
		b, err := NewWithConfig(c.Config)
		return b, c, err
	}
	c.PJRTOptions = opts
	b, err := NewXLABackend(c.Config, opts)
	return b, c, err
}

// NewWithConfig creates a backend from an explicit configuration.
func NewWithConfig(config string) (backends.Backend, error) {
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	b, err := backends.NewWithConfig(config)
	if err != nil {
		return nil, fmt.Errorf("backend %q: %w", config, err)
	}
	return b, nil
}

// isXLA says whether a GOMLX_BACKEND-style configuration names GoMLX's XLA
// backend.
func isXLA(config string) bool {
	name, _, _ := strings.Cut(config, ":")
	return name == "xla" || name == "stablehlo" || name == "hlo" || name == "pjrt"
}
