// Package checkpoint saves and restores a GoMLX context — model weights,
// optimizer state, RNG state — with a JSON header of metadata, atomically:
// a run killed at any moment leaves its last complete checkpoint intact and
// resumes from it. Files are named by step, so the newest is found by
// listing the folder (no pointer file to tear), and only the last K are
// kept (model soups average them). Every file ends with the SHA-256 of
// its bytes, and loading verifies it, so a damaged checkpoint is refused
// by name instead of loading wrong weights; LatestValid skips such files
// to the newest intact one.
package checkpoint

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/atomicfile"
)

const (
	// magic starts every checkpoint written now: header, tensors, then the
	// SHA-256 of everything before it.
	magic = "FGIACKPT2\n"
	// magicV1 is the format before checksums (no trailer): still loaded,
	// unverified.
	magicV1 = "FGIACKPT1\n"
	ext     = ".ckpt"
)

// ErrDamaged is returned (wrapped) for a checkpoint whose bytes do not
// match its checksum, or that is truncated.
var ErrDamaged = errors.New("checkpoint damaged")

// Var describes one stored tensor.
type Var struct {
	Path  string `json:"path"` // scope + "/" + name, e.g. "/backbone/block_00/attn/q/weights"
	DType string `json:"dtype"`
	Dims  []int  `json:"dims"`
	Bytes int64  `json:"bytes"`
	// Trainable is restored too: optimizer moments and loss statistics must
	// not become trainable when loaded before the graph is built.
	Trainable bool `json:"trainable"`
}

// Header is a checkpoint's metadata.
type Header struct {
	Step int64           `json:"step"`
	Meta json.RawMessage `json:"meta,omitempty"` // the caller's (e.g. epoch, config hash)
	Vars []Var           `json:"vars"`
}

// Checkpoint is a loaded checkpoint.
type Checkpoint struct {
	Header
	Tensors map[string]*tensors.Tensor
	File    string
	// Unverified marks a file of the format before checksums.
	Unverified bool
}

// Name returns the file name of the checkpoint at step.
func Name(step int64) string { return fmt.Sprintf("ckpt-%09d%s", step, ext) }

// Save writes every variable of ctx (those with a value) into
// dir/ckpt-<step>.ckpt atomically, then deletes all but the newest keep
// checkpoints (keep <= 0 keeps all).
func Save(ctx *context.Context, dir string, step int64, meta any, keep int) (string, error) {
	h := Header{Step: step}
	if meta != nil {
		b, err := json.Marshal(meta)
		if err != nil {
			return "", err
		}
		h.Meta = b
	}
	var vals []*tensors.Tensor
	for v := range ctx.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t := v.MustValue()
		s := t.Shape()
		h.Vars = append(h.Vars, Var{Path: v.ScopeAndName(), DType: s.DType.String(), Dims: s.Dimensions, Bytes: int64(s.Memory()), Trainable: v.Trainable})
		vals = append(vals, t)
	}
	order := make([]int, len(h.Vars))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return h.Vars[order[a]].Path < h.Vars[order[b]].Path })
	sortedVars := make([]Var, len(order))
	sortedVals := make([]*tensors.Tensor, len(order))
	for i, o := range order {
		sortedVars[i], sortedVals[i] = h.Vars[o], vals[o]
	}
	h.Vars = sortedVars
	head, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, Name(step))
	err = atomicfile.Write(path, func(f io.Writer) error {
		sum := sha256.New()
		bw := bufio.NewWriterSize(io.MultiWriter(f, sum), 1<<20)
		if _, err := bw.WriteString(magic); err != nil {
			return err
		}
		if err := binary.Write(bw, binary.LittleEndian, uint64(len(head))); err != nil {
			return err
		}
		if _, err := bw.Write(head); err != nil {
			return err
		}
		for _, t := range sortedVals {
			var werr error
			if err := t.ConstBytes(func(data []byte) { _, werr = bw.Write(data) }); err != nil {
				return err
			}
			if werr != nil {
				return werr
			}
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		_, err := f.Write(sum.Sum(nil))
		return err
	})
	if err != nil {
		return "", err
	}
	if keep > 0 {
		all, err := List(dir)
		if err != nil {
			return path, err
		}
		for _, old := range all[:max(0, len(all)-keep)] {
			os.Remove(old)
		}
	}
	return path, nil
}

// List returns the checkpoint files of dir, oldest first.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "ckpt-") && strings.HasSuffix(n, ext) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	sort.Strings(out) // zero-padded steps sort in order
	return out, nil
}

// Latest returns the newest checkpoint file of dir, or "" if none.
func Latest(dir string) (string, error) {
	all, err := List(dir)
	if err != nil || len(all) == 0 {
		return "", err
	}
	return all[len(all)-1], nil
}

// Load reads a checkpoint file and verifies its checksum.
func Load(path string) (*Checkpoint, error) {
	return load(path, true)
}

// ReadHeader reads a checkpoint's header (step, metadata, variables)
// without its tensors or any verification.
func ReadHeader(path string) (*Header, error) {
	c, err := load(path, false)
	if err != nil {
		return nil, err
	}
	return &c.Header, nil
}

func load(path string, tensorsToo bool) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	// The body is read through the hash; the trailer past it is not.
	buffered := bufio.NewReaderSize(f, 1<<20)
	sum := sha256.New()
	r := io.TeeReader(buffered, sum)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("checkpoint: %s: %s", path, fmt.Sprintf(format, args...))
	}
	damaged := func(format string, args ...any) error {
		return fmt.Errorf("checkpoint: %s: %w: %s", path, ErrDamaged, fmt.Sprintf(format, args...))
	}
	m := make([]byte, len(magic))
	if _, err := io.ReadFull(r, m); err != nil || (string(m) != magic && string(m) != magicV1) {
		return nil, bad("not an fgia checkpoint")
	}
	verified := string(m) == magic
	var n uint64
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil || n > 1<<30 {
		return nil, damaged("bad header length")
	}
	head := make([]byte, n)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, damaged("truncated header")
	}
	c := &Checkpoint{File: path, Tensors: map[string]*tensors.Tensor{}}
	if err := json.Unmarshal(head, &c.Header); err != nil {
		return nil, damaged("header: %v", err)
	}
	if !tensorsToo {
		return c, nil
	}
	for _, v := range c.Vars {
		dt, err := dtypes.DTypeString(v.DType)
		if err != nil {
			return nil, damaged("variable %s: dtype %q", v.Path, v.DType)
		}
		t := tensors.FromShape(shapes.Make(dt, v.Dims...))
		var rerr error
		if err := t.MutableBytes(func(data []byte) {
			if int64(len(data)) != v.Bytes {
				rerr = damaged("variable %s: %d bytes, header says %d", v.Path, len(data), v.Bytes)
				return
			}
			if _, err := io.ReadFull(r, data); err != nil {
				rerr = damaged("variable %s: %v", v.Path, err)
			}
		}); err != nil {
			return nil, err
		}
		if rerr != nil {
			return nil, rerr
		}
		c.Tensors[v.Path] = t
	}
	if !verified {
		c.Unverified = true
		return c, nil
	}
	want := sum.Sum(nil) // of everything read so far: the whole body
	got := make([]byte, sha256.Size)
	if _, err := io.ReadFull(buffered, got); err != nil {
		return nil, damaged("truncated: the checksum is missing")
	}
	if !bytes.Equal(got, want) {
		return nil, damaged("SHA-256 mismatch: the file changed after it was written")
	}
	if _, err := buffered.ReadByte(); err != io.EOF {
		return nil, damaged("bytes after the checksum")
	}
	return c, nil
}

// Skipped is a checkpoint LatestValid passed over, and why.
type Skipped struct {
	File string
	Err  error
}

// LatestValid loads the newest checkpoint of dir that verifies, and lists
// the newer ones it skipped as damaged. It returns nil when there is no
// intact checkpoint (skipped then says why).
func LatestValid(dir string) (*Checkpoint, []Skipped, error) {
	all, err := List(dir)
	if err != nil {
		return nil, nil, err
	}
	var skipped []Skipped
	for i := len(all) - 1; i >= 0; i-- {
		c, err := Load(all[i])
		if err == nil {
			return c, skipped, nil
		}
		if !errors.Is(err, ErrDamaged) {
			return nil, skipped, err
		}
		skipped = append(skipped, Skipped{File: all[i], Err: err})
	}
	return nil, skipped, nil
}

// Restore sets ctx's variables from c: each stored tensor becomes the value
// of the variable with the same path, created if missing. rename, if not
// nil, maps a stored path to the path to restore it as ("" skips it).
func (c *Checkpoint) Restore(ctx *context.Context, rename func(path string) string) error {
	for _, v := range c.Vars {
		path := v.Path
		if rename != nil {
			if path = rename(path); path == "" {
				continue
			}
		}
		i := strings.LastIndex(path, context.ScopeSeparator)
		scope, name := path[:i], path[i+1:]
		if scope == "" {
			scope = context.ScopeSeparator
		}
		t := c.Tensors[v.Path]
		if existing := ctx.InspectVariable(scope, name); existing != nil {
			if !existing.Shape().Equal(t.Shape()) {
				return fmt.Errorf("checkpoint: %s: stored shape %s, model has %s", path, t.Shape(), existing.Shape())
			}
			if err := existing.SetValue(t); err != nil {
				return err
			}
			continue
		}
		ctx.InAbsPath(scope).Checked(false).VariableWithValue(name, t).SetTrainable(v.Trainable)
	}
	return nil
}

// Meta decodes the caller's metadata into out.
func (c *Checkpoint) Meta(out any) error {
	if len(c.Header.Meta) == 0 {
		return nil
	}
	return json.Unmarshal(c.Header.Meta, out)
}
