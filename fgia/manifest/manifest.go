// Package manifest is the data manifest: one Parquet row for every file under
// train/ and every line of the annotation list, saying what cleaning did with
// it and why. Every input is accounted for here, so nothing is lost silently.
package manifest

import "github.com/fgia/fgia/fgia/table"

// Status values.
const (
	Kept    = "kept"
	Dropped = "dropped"
)

// Row is one manifest entry. Label is -1 and Line 0 for a file that no
// annotation line lists; SHA1 and sizes are empty for lines whose file could
// not be read.
type Row struct {
	Path   string `parquet:"path"`
	Label  int32  `parquet:"label"`
	Line   int32  `parquet:"line"`
	SHA1   string `parquet:"sha1"`
	Bytes  int64  `parquet:"bytes"`
	Width  int32  `parquet:"width"`
	Height int32  `parquet:"height"`
	Format string `parquet:"format"`
	Status string `parquet:"status"`
	Reason string `parquet:"reason"`
	Detail string `parquet:"detail"`
}

// Write stores rows at path atomically (Snappy-compressed, readable by DuckDB,
// pandas/pyarrow and Spark).
func Write(path string, rows []Row) error { return table.Write(path, rows) }

// Read loads every row of the manifest at path.
func Read(path string) ([]Row, error) { return table.Read[Row](path) }
