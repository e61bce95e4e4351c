package runlock

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExclusive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	a, err := Acquire(dir, "fgia train")
	if err != nil {
		t.Fatal(err)
	}
	// A second lock of the same folder, even in this process (flock locks
	// belong to open file descriptions), fails at once naming the holder.
	_, err = Acquire(dir, "fgia train")
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), fmt.Sprintf("PID %d (fgia train", os.Getpid())) {
		t.Fatalf("second Acquire: %v", err)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	b, err := Acquire(dir, "fgia pretrain")
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	b.Release()
}

// TestDeadHolderDoesNotBlock: a process that took the lock and was killed
// leaves the file behind but not the lock.
func TestDeadHolderDoesNotBlock(t *testing.T) {
	if os.Getenv("RUNLOCK_CHILD") != "" {
		if _, err := Acquire(os.Getenv("RUNLOCK_CHILD"), "child"); err != nil {
			os.Exit(3)
		}
		os.Exit(0) // dies holding the lock, without releasing it
	}
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(os.Args[0], "-test.run=TestDeadHolderDoesNotBlock")
	cmd.Env = append(os.Environ(), "RUNLOCK_CHILD="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v %s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, File)); !strings.Contains(string(b), "child") {
		t.Fatalf("the child did not leave its lock file: %q", b)
	}
	l, err := Acquire(dir, "parent")
	if err != nil {
		t.Fatalf("a dead holder blocks: %v", err)
	}
	l.Release()
}
