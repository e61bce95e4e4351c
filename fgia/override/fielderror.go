package override

import (
	"errors"
	"fmt"
)

// FieldError is a configuration field whose value cannot be used. Configs'
// Validate methods return it, so that the CLI can name the flag or --set
// path the value came from.
type FieldError struct {
	Path  string // JSON path, e.g. "optim.schedule.lr"
	Value any
	Want  string // what would be valid, e.g. "> 0"
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s = %v: want %s", e.Path, e.Value, e.Want) }

// Check returns a FieldError for path unless ok.
func Check(ok bool, path string, value any, want string) error {
	if ok {
		return nil
	}
	return &FieldError{Path: path, Value: value, Want: want}
}

// First returns the first non-nil error.
func First(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Within prefixes the path of a FieldError in err (a nested config's
// Validate) with prefix; other errors pass unchanged.
func Within(prefix string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		out := *fe
		out.Path = prefix + "." + fe.Path
		return &out
	}
	return err
}
