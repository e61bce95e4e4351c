package train

import (
	"fmt"

	"github.com/fgia/fgia/fgia/override"
)

// Resumable are the config fields a resumed run may change: how long it
// runs and how it checkpoints and logs. More epochs stretch the cosine
// schedule from the current step on; everything else would make the run
// a different one than its first steps were.
var Resumable = []string{"epochs", "max_steps", "checkpoint_every", "keep", "log_every"}

// ResumeChanges applies changes to a resumed run's config (train.Config or
// pretrain.Config), refusing any field outside Resumable with an error
// naming it.
func ResumeChanges[C any](old C, changes []string, run string) (C, bool, error) {
	if len(changes) == 0 {
		return old, false, nil
	}
	cfg := old
	if err := override.SetAll(&cfg, changes); err != nil {
		return old, false, err
	}
	for _, path := range override.Paths(&cfg) {
		was, _ := override.Get(&old, path)
		now, _ := override.Get(&cfg, path)
		if was == now {
			continue
		}
		allowed := false
		for _, r := range Resumable {
			allowed = allowed || r == path
		}
		if !allowed {
			return old, false, &override.FieldError{Path: path, Value: now,
				Want: fmt.Sprintf("the run's %s: it cannot change when resuming (only %v can); start a new run instead, e.g. with --init %s", was, Resumable, run)}
		}
	}
	return cfg, true, nil
}
