package predict

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/parquet-go/parquet-go"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/internal/par"
)

// rowGroupRows bounds a row group: the writer buffers one row group in
// memory, so 90K x 5000 logits are written 4096 rows (82 MB) at a time
// instead of buffering the whole 1.8 GB file.
const rowGroupRows = 4096

// eachBatch is how many rows Each hands over at a time.
const eachBatch = 512

// Info is what a prediction file says about itself besides its rows.
type Info struct {
	Rows    int64
	Classes int               // length of the logit vectors (0 for an empty file)
	Counts  []int             // training class counts (nil if absent)
	Meta    map[string]string // the other footer metadata (MetaRun, MetaSplit, ...)
}

// WriteEach writes a prediction file atomically (Snappy, the Row schema,
// counts under MetaClassCounts and meta's other keys in the footer).
// produce calls write with successive batches of rows; write does not keep
// them, so produce may reuse the slices. Every prediction file of the kit is
// written here.
func WriteEach(path string, counts []int, meta map[string]string, produce func(write func([]Row) error) error) error {
	options := []parquet.WriterOption{
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		pw := parquet.NewGenericWriter[Row](w, options...)
		err := produce(func(rows []Row) error {
			_, err := pw.Write(rows)
			return err
		})
		if err != nil {
			return err
		}
		// The footer is written at Close, so produce may still add to meta
		// (predict records the unreadable images it met).
		if counts != nil {
			b, err := json.Marshal(counts)
			if err != nil {
				return err
			}
			pw.SetKeyValueMetadata(MetaClassCounts, string(b))
		}
		keys := make([]string, 0, len(meta))
		for k := range meta {
			if k != MetaClassCounts {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			pw.SetKeyValueMetadata(k, meta[k])
		}
		return pw.Close()
	})
}

// Write writes rows as a prediction file (see WriteEach).
func Write(path string, rows []Row, counts []int, meta map[string]string) error {
	return WriteEach(path, counts, meta, func(write func([]Row) error) error {
		for len(rows) > 0 {
			n := min(len(rows), rowGroupRows)
			if err := write(rows[:n]); err != nil {
				return err
			}
			rows = rows[n:]
		}
		return nil
	})
}

// open opens a Parquet file; the caller closes the returned os.File.
func open(path string) (*os.File, *parquet.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("predict: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("predict: %s: %w", path, err)
	}
	have := map[string]bool{}
	for _, field := range pf.Schema().Fields() {
		have[field.Name()] = true
	}
	for _, col := range []string{"image", "pred", "score", "logits"} {
		if !have[col] {
			f.Close()
			return nil, nil, fmt.Errorf("predict: %s is not a prediction file: no %q column", path, col)
		}
	}
	return f, pf, nil
}

// Stat reads a prediction file's footer and its first row.
func Stat(path string) (*Info, error) {
	f, pf, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info := &Info{Rows: pf.NumRows(), Meta: map[string]string{}}
	for _, kv := range pf.Metadata().KeyValueMetadata {
		if kv.Key == MetaClassCounts {
			if err := json.Unmarshal([]byte(kv.Value), &info.Counts); err != nil {
				return nil, fmt.Errorf("predict: %s: bad %s metadata: %w", path, MetaClassCounts, err)
			}
			continue
		}
		info.Meta[kv.Key] = kv.Value
	}
	if info.Rows > 0 {
		first := true
		err := each(path, pf, 1, func(rows []Row) error {
			if first {
				info.Classes, first = len(rows[0].Logits), false
			}
			return errStop
		})
		if err != nil && err != errStop {
			return nil, err
		}
	}
	return info, nil
}

var errStop = fmt.Errorf("stop")

// Each streams a prediction file to fn in batches of rows, in file order.
// The batch is reused after fn returns: copy what you keep. A 90K x 5000
// file never has to be in memory twice.
func Each(path string, fn func(rows []Row) error) error {
	f, pf, err := open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return each(path, pf, eachBatch, fn)
}

func each(path string, pf *parquet.File, batch int, fn func(rows []Row) error) (err error) {
	defer func() {
		// parquet-go panics when the file's schema cannot be read as a Row.
		if r := recover(); r != nil {
			err = fmt.Errorf("predict: %s is not a prediction file: %v", path, r)
		}
	}()
	r := parquet.NewGenericReader[Row](pf)
	defer r.Close()
	buf := make([]Row, batch)
	// Every row is checked as it streams by, so that no consumer sees a
	// malformed file: one length of finite logits, a class in range, each
	// image once.
	classes, seen, row := -1, map[string]int{}, 0
	for {
		n, rerr := r.Read(buf)
		for _, x := range buf[:n] {
			row++
			if classes < 0 {
				classes = len(x.Logits)
			}
			if err := CheckRow(x, classes); err != nil {
				return fmt.Errorf("predict: %s: row %d: %w", path, row, err)
			}
			if prev, dup := seen[x.Image]; dup {
				return fmt.Errorf("predict: %s: image %s is listed twice (rows %d and %d)", path, x.Image, prev, row)
			}
			seen[x.Image] = row
		}
		if n > 0 {
			if err := fn(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("predict: %s: %w", path, rerr)
		}
	}
}

// Matrix is a prediction file held as one row-major matrix: one row of
// Classes values per image. Post-processing works on it in place, so a
// 90K x 5000 file costs 1.8 GB once, not once per step.
type Matrix struct {
	Images  []string
	Classes int
	Data    []float32 // len(Images) * Classes values, row-major
	Counts  []int     // training class counts (nil if absent)
	Meta    map[string]string
}

// Row returns the values of image i (a view, not a copy).
func (m *Matrix) Row(i int) []float32 { return m.Data[i*m.Classes : (i+1)*m.Classes] }

// ReadProbabilities loads a prediction file as probabilities: the softmax
// of its logits (an ensemble's logits are log P, so it reads the same way).
func ReadProbabilities(path string) (*Matrix, error) {
	m, err := ReadMatrix(path)
	if err != nil {
		return nil, err
	}
	m.Softmax()
	return m, nil
}

// ReadMatrix loads the logits of a prediction file.
func ReadMatrix(path string) (*Matrix, error) {
	info, err := Stat(path)
	if err != nil {
		return nil, err
	}
	m := &Matrix{Classes: info.Classes, Counts: info.Counts, Meta: info.Meta,
		Images: make([]string, 0, info.Rows), Data: make([]float32, 0, info.Rows*int64(info.Classes))}
	err = Each(path, func(rows []Row) error {
		for _, r := range rows {
			if err := CheckLogits(r, m.Classes); err != nil {
				return fmt.Errorf("predict: %s: %w", path, err)
			}
			m.Images = append(m.Images, r.Image)
			m.Data = append(m.Data, r.Logits...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Softmax turns each row of logits into probabilities, in place (computed
// in float64, stored as float32), on all CPUs.
func (m *Matrix) Softmax() {
	par.For(len(m.Images), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			softmax(m.Row(i))
		}
	})
}

// softmax replaces z with its softmax.
func softmax(z []float32) {
	if len(z) == 0 {
		return
	}
	top := z[0]
	for _, v := range z {
		if v > top {
			top = v
		}
	}
	var sum float64
	for _, v := range z {
		sum += math.Exp(float64(v - top))
	}
	for k, v := range z {
		z[k] = float32(math.Exp(float64(v-top)) / sum)
	}
}

// MinLogProb is the floor of Log: the log of the smallest positive float32,
// so a probability that underflowed to 0 becomes a very small one instead of
// -Inf.
var MinLogProb = float32(math.Log(math.SmallestNonzeroFloat32))

// Log turns probabilities into log-probabilities, in place. Written as
// logits, they give the same probabilities back under softmax (up to the
// rounding of rows that do not sum to exactly 1).
func (m *Matrix) Log() {
	par.For(len(m.Images), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for k, v := range m.Row(i) {
				if v > 0 {
					m.Data[i*m.Classes+k] = max(float32(math.Log(float64(v))), MinLogProb)
				} else {
					m.Data[i*m.Classes+k] = MinLogProb
				}
			}
		}
	})
}

// Write writes m's rows as logits. pred, if not nil, overrides the
// predicted classes (re-distribution changes labels, not logits); nil takes
// each row's argmax. Score is always softmax(Logits)[Pred].
func (m *Matrix) Write(path string, pred []int32) error {
	n := len(m.Images)
	if pred != nil && len(pred) != n {
		return fmt.Errorf("predict: %d labels for %d images", len(pred), n)
	}
	for i, p := range pred {
		if p < 0 || int(p) >= m.Classes {
			return fmt.Errorf("predict: image %s: class %d out of [0, %d)", m.Images[i], p, m.Classes)
		}
	}
	preds, scores := make([]int32, n), make([]float32, n)
	par.For(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			z := m.Row(i)
			best, s := ArgmaxSoftmax(z)
			if pred != nil && int(pred[i]) != best {
				best, s = int(pred[i]), softmaxAt(z, int(pred[i]))
			}
			preds[i], scores[i] = int32(best), s
		}
	})
	return WriteEach(path, m.Counts, m.Meta, func(write func([]Row) error) error {
		rows := make([]Row, 0, rowGroupRows)
		for i := 0; i < n; i++ {
			rows = append(rows, Row{Image: m.Images[i], Pred: preds[i], Score: scores[i], Logits: m.Row(i)})
			if len(rows) == cap(rows) || i == n-1 {
				if err := write(rows); err != nil {
					return err
				}
				rows = rows[:0]
			}
		}
		return nil
	})
}

// softmaxAt returns softmax(z)[k].
func softmaxAt(z []float32, k int) float32 {
	var sum float64
	for _, v := range z {
		sum += math.Exp(float64(v - z[k]))
	}
	return float32(1 / sum)
}

// CheckRow refuses a row with no logits, logits that are not classes
// finite numbers, or a predicted class outside them.
func CheckRow(r Row, classes int) error {
	if classes == 0 {
		return fmt.Errorf("image %s has no logits", r.Image)
	}
	if err := CheckLogits(r, classes); err != nil {
		return err
	}
	if r.Pred < 0 || int(r.Pred) >= classes {
		return fmt.Errorf("image %s predicts class %d, outside [0, %d)", r.Image, r.Pred, classes)
	}
	return nil
}

// CheckLogits refuses a row whose logits are not classes finite numbers:
// a NaN would otherwise turn into a uniform guess downstream.
func CheckLogits(r Row, classes int) error {
	if len(r.Logits) != classes {
		return fmt.Errorf("image %s has %d logits, the first row %d", r.Image, len(r.Logits), classes)
	}
	for c, v := range r.Logits {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("image %s has logit %v for class %d: not a finite number", r.Image, v, c)
		}
	}
	return nil
}
