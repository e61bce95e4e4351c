package nb

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindRoot(t *testing.T) {
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "checkout")
	nested := filepath.Join(repo, "build", "notebooks")
	other := filepath.Join(repo, "tools")
	for _, d := range []string{nested, other, filepath.Join(tmp, "elsewhere")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(repo, "go.mod"), "// the kit\nmodule github.com/fgia/fgia\n\ngo 1.26.8\n")
	write(filepath.Join(other, "go.mod"), "module github.com/fgia/fgia/tools\n")
	for _, c := range []struct {
		from, want, err string
	}{
		{repo, repo, ""},
		{nested, repo, ""},
		{other, repo, ""}, // another module's go.mod is passed over
		{filepath.Join(tmp, "elsewhere"), "", "no go.mod of module github.com/fgia/fgia"},
	} {
		got, err := FindRoot(c.from)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("FindRoot(%s): %q, %v; want error %q", c.from, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("FindRoot(%s) = %q, %v; want %q", c.from, got, err, c.want)
		}
	}
}

func TestRel(t *testing.T) {
	root := Root()
	if wd, _ := os.Getwd(); wd != root {
		t.Errorf("working directory %s, want the repository root %s", wd, root)
	}
	for _, c := range []struct{ in, want string }{
		{filepath.Join(root, "build", "notebooks", "x.parquet"), "build/notebooks/x.parquet"},
		{"data/webfashion", "data/webfashion"},
		{"/elsewhere/build/xla/plugin.so", ".../plugin.so"},
		{filepath.Dir(root), ".../" + filepath.Base(filepath.Dir(root))},
		{"", ""},
	} {
		if got := Rel(c.in); got != c.want {
			t.Errorf("Rel(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// exited is what the replaced exit panics with.
type exited int

func TestMustAndCheck(t *testing.T) {
	exit = func(code int) { panic(exited(code)) }
	defer func() { exit = os.Exit }()
	stops := func(f func()) (code int, stopped bool) {
		defer func() {
			if r := recover(); r != nil {
				code, stopped = int(r.(exited)), true
			}
		}()
		f()
		return 0, false
	}
	for _, c := range []struct {
		name string
		f    func()
		stop bool
	}{
		{"Must without error", func() {
			if Must(42, nil) != 42 {
				t.Error("Must changed the value")
			}
		}, false},
		{"Must with error", func() { Must(42, errors.New("boom")) }, true},
		{"Check nil", func() { Check(nil) }, false},
		{"Check error", func() { Check(errors.New("boom")) }, true},
		{"Failf", func() { Failf("no %s", "thing") }, true},
		{"Show of a table with an error", func() { Rows([]int{1}).Show() }, true},
	} {
		code, stopped := stops(c.f)
		if stopped != c.stop || (stopped && code != 1) {
			t.Errorf("%s: stopped %v with %d, want stopped %v with 1", c.name, stopped, code, c.stop)
		}
	}
	if got := ErrorHTML(`open "a<b": no such file`); !strings.Contains(got, "a&lt;b") || strings.Contains(got, "a<b") {
		t.Errorf("error box does not escape: %s", got)
	}
}

func TestStatus(t *testing.T) {
	s := NewStatus("job")
	s.Write([]byte("first line\nsecond "))
	s.Write([]byte("half\nthird"))
	if got, want := strings.Join(s.lines, "|"), "first line|second half"; got != want {
		t.Errorf("lines %q, want %q (the partial line waits)", got, want)
	}
	s.Done("3 rows")
	if got := strings.Join(s.lines, "|"); got != "first line|second half|third" {
		t.Errorf("Done did not keep the partial line: %q", got)
	}
	for _, c := range []struct {
		name    string
		summary string
		lines   []string
		want    []string
		wantNot []string
		dropped int
	}{
		{name: "running shows the last line", lines: []string{"a", "b <x>"}, want: []string{"<b>job</b>: <code>b &lt;x&gt;</code>", "log (2 lines)", "a\nb &lt;x&gt;"}},
		{name: "done shows the summary", summary: "ok", lines: []string{"a"}, want: []string{"<code>ok</code>", "log (1 lines)"}},
		{name: "no log", summary: "ok", want: []string{"<code>ok</code>"}, wantNot: []string{"<details>"}},
		{name: "dropped lines", lines: []string{"z"}, dropped: 7, want: []string{"log (8 lines)", "... 7 earlier lines\nz"}},
	} {
		got := StatusHTML("job", c.summary, c.lines, c.dropped)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q not in %s", c.name, w, got)
			}
		}
		for _, w := range c.wantNot {
			if strings.Contains(got, w) {
				t.Errorf("%s: %q in %s", c.name, w, got)
			}
		}
	}
	long := NewStatus("long")
	for range maxStatusLines + 50 {
		long.Write([]byte("x\n"))
	}
	if len(long.lines) != maxStatusLines || long.dropped != 50 {
		t.Errorf("%d lines kept, %d dropped; want %d and 50", len(long.lines), long.dropped, maxStatusLines)
	}
	if got := LineHTML("train: [==  ] 1/2 <b>"); !strings.Contains(got, "1/2 &lt;b&gt;</pre>") {
		t.Errorf("LineHTML %s", got)
	}
}

func TestSteps(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int
	}{
		{"", 150}, {"40", 40}, {"0", 150}, {"-3", 150}, {"many", 150},
	} {
		t.Setenv("FGIA_STEPS", c.env)
		if got := Steps(150); got != c.want {
			t.Errorf("FGIA_STEPS=%q: Steps(150) = %d, want %d", c.env, got, c.want)
		}
	}
}
