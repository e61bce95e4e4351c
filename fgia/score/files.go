package score

import (
	"path/filepath"

	"github.com/fgia/fgia/fgia/table"
)

// ClassRow is one row of per_class.parquet.
type ClassRow struct {
	Class     int32   `parquet:"class"`
	Name      string  `parquet:"name"`
	Support   int32   `parquet:"support"`   // test images of the class
	Predicted int32   `parquet:"predicted"` // images predicted as the class
	Top1      float64 `parquet:"top1"`      // recall
	Top5      float64 `parquet:"top5"`
	Precision float64 `parquet:"precision"`
	Recall    float64 `parquet:"recall"`
}

// ConfusionRow is one cell of confusion.parquet (zero cells omitted).
type ConfusionRow struct {
	True  int32 `parquet:"true"`
	Pred  int32 `parquet:"pred"`
	Count int32 `parquet:"count"`
}

// Files under `fgia score --out DIR`.
const (
	PerClassFile  = "per_class.parquet"
	ConfusionFile = "confusion.parquet"
)

// WriteTables writes per_class.parquet and confusion.parquet into dir;
// names label the classes (nil: their indices).
func (r *Result) WriteTables(dir string, names []string) error {
	var per []ClassRow
	for c := 0; c < r.Classes; c++ {
		name := ""
		if c < len(names) {
			name = names[c]
		}
		per = append(per, ClassRow{Class: int32(c), Name: name, Support: int32(r.Support[c]), Predicted: int32(r.Predicted[c]),
			Top1: r.PerClass[c], Top5: r.Top5PerClass[c], Precision: r.Precision[c], Recall: r.PerClass[c]})
	}
	if err := table.Write(filepath.Join(dir, PerClassFile), per); err != nil {
		return err
	}
	var cells []ConfusionRow
	for t, row := range r.Confusion {
		for p, n := range row {
			if n > 0 {
				cells = append(cells, ConfusionRow{True: int32(t), Pred: int32(p), Count: int32(n)})
			}
		}
	}
	return table.Write(filepath.Join(dir, ConfusionFile), cells)
}
