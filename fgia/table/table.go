// Package table stores the kit's Parquet tables: every stage hands its
// results to the next as typed rows in a Parquet file, written atomically and
// compressed with Snappy so that DuckDB, pandas/pyarrow and Spark read it.
package table

import (
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"

	"github.com/fgia/fgia/fgia/atomicfile"
)

// Write replaces path with rows; T's fields carry `parquet:"name"` tags.
func Write[T any](path string, rows []T) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		pw := parquet.NewGenericWriter[T](w, parquet.Compression(&parquet.Snappy))
		if _, err := pw.Write(rows); err != nil {
			return err
		}
		return pw.Close()
	})
}

// Read loads every row of the Parquet file at path.
func Read[T any](path string) ([]T, error) {
	rows, err := parquet.ReadFile[T](path)
	if err != nil {
		return nil, fmt.Errorf("table: %s: %w", path, err)
	}
	return rows, nil
}

// Metadata returns the key/value metadata of a Parquet file's footer.
func Metadata(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("table: %s: %w", path, err)
	}
	out := map[string]string{}
	for _, kv := range pf.Metadata().KeyValueMetadata {
		out[kv.Key] = kv.Value
	}
	return out, nil
}
