// Package manifest is the data manifest: one Parquet row for every file under
// train/, every line of the annotation list and every folder that is not a
// class, saying what cleaning did with it and why. Every input is accounted
// for here, so nothing is lost silently.
package manifest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fgia/fgia/fgia/table"
)

// Status values.
const (
	Kept    = "kept"
	Dropped = "dropped"
)

// Row is one manifest entry. Label is -1 and Line 0 for a file that no
// annotation line lists; SHA1 and sizes are empty for lines whose file could
// not be read.
//
// Path is always valid UTF-8 (Parquet strings must be, or pandas and
// pyarrow refuse the file): a file name that is not has its invalid bytes
// written as \xNN there, and its raw bytes in PathRaw, which Read puts
// back.
type Row struct {
	Path    string `parquet:"path"`
	PathRaw []byte `parquet:"path_raw,optional"`
	Label   int32  `parquet:"label"`
	Line    int32  `parquet:"line"`
	SHA1    string `parquet:"sha1"`
	Bytes   int64  `parquet:"bytes"`
	Width   int32  `parquet:"width"`
	Height  int32  `parquet:"height"`
	Format  string `parquet:"format"`
	Status  string `parquet:"status"`
	Reason  string `parquet:"reason"`
	Detail  string `parquet:"detail"`
}

// Write stores rows at path atomically (Snappy-compressed, readable by DuckDB,
// pandas/pyarrow and Spark).
func Write(path string, rows []Row) error {
	out := make([]Row, len(rows))
	for i, r := range rows {
		if !utf8.ValidString(r.Path) {
			r.PathRaw, r.Path = []byte(r.Path), Escape(r.Path)
		}
		r.Detail = strings.ToValidUTF8(r.Detail, "\uFFFD")
		out[i] = r
	}
	return table.Write(path, out)
}

// Read loads every row of the manifest at path, with the raw bytes of
// non-UTF-8 file names back in Path.
func Read(path string) ([]Row, error) {
	rows, err := table.Read[Row](path)
	for i := range rows {
		if len(rows[i].PathRaw) > 0 {
			rows[i].Path = string(rows[i].PathRaw)
		}
	}
	return rows, err
}

// Escape writes the bytes of s that are not valid UTF-8 as \xNN.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, "\\x%02x", s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
