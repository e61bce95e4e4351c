package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/train"
)

// TestMain lets the test binary act as the fgia command, so a test can run
// it as a child process and kill it.
func TestMain(m *testing.M) {
	if args := os.Getenv("FGIA_TEST_MAIN_ARGS"); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			panic(err)
		}
		os.Exit(run(a, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func fgiaCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	b, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FGIA_TEST_MAIN_ARGS="+string(b), "GOMLX_BACKEND="+backend.PureGo)
	return cmd
}

// TestKillAndResume kills `fgia train` with SIGKILL after a checkpoint,
// resumes it with --resume, and checks it ends at the same step with the
// same metrics as an uninterrupted run.
func TestKillAndResume(t *testing.T) {
	data := demoSet(t)
	args := func(out string) []string {
		return []string{"train", "--data", data, "--out", out, "--preset", "demo-vit", "--batch", "16",
			"--max-steps", "12", "--checkpoint-every", "3", "--seed", "5", "--workers", "1"}
	}
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	if out, err := fgiaCmd(t, args(full)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	killed := filepath.Join(dir, "killed")
	cmd := fgiaCmd(t, args(killed)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if all, _ := checkpoint.List(filepath.Join(killed, train.CheckpointsDir)); len(all) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint within 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	recs, _ := train.ReadMetrics(killed)
	if n := len(recs); n > 0 && recs[n-1].Step >= 12 {
		t.Skip("the run finished before it could be killed")
	}
	out, err := fgiaCmd(t, "train", "--out", killed, "--resume").CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "resuming") || !strings.Contains(string(out), "to step 12") {
		t.Errorf("resume output:\n%s", out)
	}
	a, _ := train.ReadMetrics(full)
	b, _ := train.ReadMetrics(killed)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d records uninterrupted, %d after kill and resume", len(a), len(b))
	}
	for i := range a {
		if a[i].Step != b[i].Step || a[i].Loss != b[i].Loss {
			t.Errorf("record %d: uninterrupted step %d loss %v, resumed step %d loss %v", i, a[i].Step, a[i].Loss, b[i].Step, b[i].Loss)
		}
	}
	last, _ := checkpoint.Latest(filepath.Join(killed, train.CheckpointsDir))
	if c, err := checkpoint.Load(last); err != nil || c.Step != 12 {
		t.Errorf("final checkpoint %s: step %v, err %v", last, c, err)
	}
}
