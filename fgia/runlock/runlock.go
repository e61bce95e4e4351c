// Package runlock makes a run folder the property of one process: an
// exclusive flock(2) on OUT/.lock, taken before anything is written, so
// that a second `fgia train`, `pretrain` or `reproduce` on the same folder
// fails at once with the holder's PID instead of mixing its checkpoints
// and metrics into the first one's. The kernel drops the lock when its
// process dies, however it dies, so a stale lock never blocks.
package runlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// File is the lock file's name in a run folder.
const File = ".lock"

// Lock is a held lock.
type Lock struct {
	f *os.File
}

// ErrHeld is returned (wrapped) when another process holds the lock.
var ErrHeld = errors.New("run folder in use")

// Acquire creates dir if needed and locks it for what (e.g. "fgia train").
// It fails at once if another process holds the lock, naming its PID and
// command.
func Acquire(dir, what string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, File)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("runlock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			h := strings.TrimSpace(string(holder))
			if h == "" {
				h = "another process"
			}
			return nil, fmt.Errorf("%s: %w by %s; wait for it to finish, or stop it, or choose another --out", dir, ErrHeld, h)
		}
		return nil, fmt.Errorf("runlock: locking %s: %w", path, err)
	}
	// Who holds it, for the message a second process gets.
	note := fmt.Sprintf("PID %d (%s, since %s)\n", os.Getpid(), what, time.Now().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(note), 0)
	}
	return &Lock{f: f}, nil
}

// Release unlocks (the file stays: removing it would race with a process
// that has just opened it).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := l.f.Close() // closing drops the flock
	l.f = nil
	return err
}
