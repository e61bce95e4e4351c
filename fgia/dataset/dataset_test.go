package dataset

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseAnnotations(t *testing.T) {
	list := strings.Join([]string{
		"train/0000/a.jpg 0",     // 1
		"",                       // 2 blank
		"# a comment",            // 3
		"train/0001/b c.jpg 1",   // 4 space in the path
		"train/0001/x.jpg one",   // 5 not an integer
		"train/0002/y.jpg 7",     // 6 out of range
		"train/0000/a.jpg 0",     // 7 duplicate of line 1
		"lonely",                 // 8 no label
		"../etc/passwd 1",        // 9 escapes the root
		"train\\0002\\z.png\t2 ", // 10 backslashes and a tab
	}, "\n")
	anns, errs, err := ParseAnnotations(strings.NewReader(list), "train.txt", 3)
	if err != nil {
		t.Fatal(err)
	}
	wantAnns := []Annotation{
		{"train/0000/a.jpg", 0, 1},
		{"train/0001/b c.jpg", 1, 4},
		{"train/0002/z.png", 2, 10},
	}
	if !reflect.DeepEqual(anns, wantAnns) {
		t.Errorf("annotations\n got %+v\nwant %+v", anns, wantAnns)
	}
	wantErrs := []struct {
		line   int
		reason string
	}{{5, "bad_label"}, {6, "bad_label"}, {7, "duplicate_line"}, {8, "bad_line"}, {9, "bad_line"}}
	if len(errs) != len(wantErrs) {
		t.Fatalf("got %d line errors %v, want %d", len(errs), errs, len(wantErrs))
	}
	for i, w := range wantErrs {
		if errs[i].Line != w.line || errs[i].Reason != w.reason {
			t.Errorf("error %d: %v (%s), want line %d %s", i, errs[i], errs[i].Reason, w.line, w.reason)
		}
		if !strings.HasPrefix(errs[i].Error(), "train.txt:") {
			t.Errorf("error %q does not name the file and line", errs[i].Error())
		}
	}
}

func TestLayoutCheck(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root}
	for _, tc := range []struct {
		setup func()
		want  string // substring of the error; "" for none
	}{
		{func() {}, "train is missing"},
		{func() { os.MkdirAll(filepath.Join(root, "train", "0000"), 0o755) }, "meta/train.txt is missing"},
		{func() { os.MkdirAll(filepath.Join(root, "meta", "train.txt"), 0o755) }, "is a folder"},
		{func() {
			os.Remove(filepath.Join(root, "meta", "train.txt"))
			os.WriteFile(filepath.Join(root, "meta", "train.txt"), nil, 0o644)
		}, ""},
	} {
		tc.setup()
		err := l.Check()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Check() = %v, want an error containing %q", err, tc.want)
		}
	}
	if err := (Layout{Root: filepath.Join(root, "nope")}).Check(); err == nil || !strings.Contains(err.Error(), "data folder") {
		t.Errorf("missing root: %v", err)
	}
}

func TestListingAndRoundTrip(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root}
	for _, p := range []string{"train/0001/b.png", "train/0000/a.png", "testa/z.png", "testa/y.png"} {
		os.MkdirAll(filepath.Dir(l.Path(p)), 0o755)
		os.WriteFile(l.Path(p), []byte("x"), 0o644)
	}
	files, err := l.ListFiles(TrainDir)
	if err != nil || !reflect.DeepEqual(files, []string{"train/0000/a.png", "train/0001/b.png"}) {
		t.Errorf("ListFiles = %v, %v", files, err)
	}
	if n, err := l.NumClassFolders(); n != 2 || err != nil {
		t.Errorf("NumClassFolders = %d, %v", n, err)
	}
	names, err := l.TestImages("testa")
	if err != nil || !reflect.DeepEqual(names, []string{"y.png", "z.png"}) {
		t.Errorf("TestImages = %v, %v", names, err)
	}
	if _, err := l.TestImages("testb"); err == nil {
		t.Error("TestImages of a missing split: no error")
	}
	anns := []Annotation{{"train/0000/a.png", 0, 1}, {"train/0001/b.png", 1, 2}}
	if err := WriteAnnotations(l.Path(CleanList), anns); err != nil {
		t.Fatal(err)
	}
	back, errs, err := ReadAnnotations(l.Path(CleanList), 2)
	if err != nil || len(errs) > 0 || !reflect.DeepEqual(back, anns) {
		t.Errorf("round trip: %v %v %v", back, errs, err)
	}
}
