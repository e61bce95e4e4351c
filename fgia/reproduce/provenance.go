package reproduce

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/recipe"
)

// ProvenanceInfo is provenance.json: what produced the folder, and the
// SHA-256 of every file in it, so that a copy can be checked and a rerun
// compared.
type ProvenanceInfo struct {
	Commit    string            `json:"commit"`   // the fgia build's VCS revision
	Modified  bool              `json:"modified"` // built from a tree with uncommitted changes
	Go        string            `json:"go"`
	Modules   map[string]string `json:"modules"` // GoMLX, go-xla, parquet-go versions
	Backend   string            `json:"backend"`
	Plugin    *PluginInfo       `json:"pjrt_plugin,omitempty"`
	CPU       string            `json:"cpu"`
	Cores     int               `json:"cores"`
	OS        string            `json:"os"`
	Recipe    recipe.Recipe     `json:"recipe"`
	Budget    recipe.Budget     `json:"budget"`
	Seeds     int               `json:"seeds"`
	Geometry  Geometry          `json:"geometry"`
	Data      string            `json:"data"`
	Written   time.Time         `json:"written"`
	StepWall  []StepWall        `json:"step_wall_seconds"`
	WallTotal float64           `json:"wall_seconds"`
	// Files maps every file under OUT (relative, slash-separated) to its
	// SHA-256, except this file, timing.json and the run folders' own
	// checkpoints (they carry their own checksums).
	Files map[string]string `json:"files"`
}

// PluginInfo identifies the XLA PJRT plugin a run used.
type PluginInfo struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// StepWall is the wall time of a step, summed over seeds.
type StepWall struct {
	Step    string  `json:"step"`
	Seconds float64 `json:"seconds"`
}

func (p *pipeline) writeProvenance() error {
	pv := ProvenanceInfo{Go: runtime.Version(), Modules: map[string]string{}, Backend: backend.Choose().String(),
		CPU: cpuModel(), Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Recipe: p.Recipe, Budget: p.Budget,
		Seeds: p.Seeds, Geometry: p.Geometry, Data: p.Data, Written: time.Now().UTC().Round(time.Second), Files: map[string]string{}}
	pv.Commit = "unknown (binary built without VCS stamping, e.g. by go test)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				pv.Commit = s.Value
			case "vcs.modified":
				pv.Modified = s.Value == "true"
			}
		}
		for _, d := range bi.Deps {
			for _, m := range []string{"github.com/gomlx/gomlx", "github.com/gomlx/go-xla", "github.com/parquet-go/parquet-go"} {
				if d.Path == m {
					pv.Modules[m] = d.Version
				}
			}
		}
	}
	if cfg := backend.Choose().Config; strings.HasPrefix(cfg, "xla:") && strings.HasSuffix(cfg, ".so") {
		path := strings.TrimPrefix(cfg, "xla:")
		if sum, err := fileSHA256(path); err == nil {
			pv.Plugin = &PluginInfo{Path: path, SHA256: sum}
		}
	}
	for _, st := range p.Recipe.Steps {
		if t := p.stepSeconds(st.Name); t > 0 {
			pv.StepWall = append(pv.StepWall, StepWall{st.Name, t})
			pv.WallTotal += t
		}
	}
	err := filepath.WalkDir(p.Out, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(p.Out, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == "checkpoints" {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == Provenance || rel == TimingFile || strings.HasPrefix(d.Name(), ".") || !d.Type().IsRegular() {
			return nil
		}
		sum, err := fileSHA256(path)
		if err != nil {
			return err
		}
		pv.Files[rel] = sum
		return nil
	})
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(pv, "", "  ")
	if err != nil {
		return err
	}
	return writeText(p.outPath(Provenance), string(b)+"\n")
}

// ReadProvenance loads a folder's provenance.json.
func ReadProvenance(out string) (*ProvenanceInfo, error) {
	b, err := os.ReadFile(filepath.Join(out, Provenance))
	if err != nil {
		return nil, err
	}
	var pv ProvenanceInfo
	return &pv, json.Unmarshal(b, &pv)
}

// VerifyFiles checks every file provenance.json lists against its SHA-256:
// differ are the files whose bytes changed, missing those that are not
// there (a committed reproduction leaves its run folders and lists on the
// machine that made it).
func VerifyFiles(out string) (differ, missing []string, err error) {
	pv, err := ReadProvenance(out)
	if err != nil {
		return nil, nil, err
	}
	for rel, want := range pv.Files {
		got, err := fileSHA256(filepath.Join(out, filepath.FromSlash(rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, rel)
		case err != nil || got != want:
			differ = append(differ, rel)
		}
	}
	slices.Sort(differ)
	slices.Sort(missing)
	return differ, missing, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cpuModel is /proc/cpuinfo's model name (Linux), or the architecture.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
