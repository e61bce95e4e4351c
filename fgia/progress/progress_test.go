package progress

import (
	"strings"
	"testing"
	"time"
)

func TestRate(t *testing.T) {
	for _, tc := range []struct {
		r    float64
		want string
	}{{0, ""}, {0.25, "4.0 s/it"}, {2.345, "2.35 it/s"}, {42.42, "42.4 it/s"}, {1234.6, "1235 it/s"}} {
		if got := Rate(tc.r); got != tc.want {
			t.Errorf("Rate(%g) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestLogLines: a log gets a line at each tenth, counts continue from a
// resume, and no rate appears before there is one.
func TestLogLines(t *testing.T) {
	var out strings.Builder
	Output = &out
	defer func() { Output = nil }()
	b := NewAt(17, 80, "train")
	b.Add(8)
	if !strings.Contains(out.String(), "train: 25/80 (31%)\n") {
		t.Errorf("first line %q: want the continued count and no rate yet", out.String())
	}
	b.start = b.start.Add(-10 * time.Second) // 16 items in 10 s: slow
	b.Add(8)
	if !strings.Contains(out.String(), "33/80 (41%) 1.60 it/s, 29s left") {
		t.Errorf("lines:\n%s", out.String())
	}
	b.Finish()
	if !strings.Contains(out.String(), "train: 33/80 done in") {
		t.Errorf("finish:\n%s", out.String())
	}
}

type updater struct{ updates, finishes []string }

func (u *updater) Write(p []byte) (int, error) { return len(p), nil }
func (u *updater) UpdateLine(key, line string) { u.updates = append(u.updates, key+" "+line) }
func (u *updater) FinishLine(key, line string) { u.finishes = append(u.finishes, key+" "+line) }

// TestInPlace: a LineUpdater gets throttled in-place updates of one key.
func TestInPlace(t *testing.T) {
	u := &updater{}
	Output = u
	defer func() { Output = nil }()
	b := New(1000, "predict")
	for i := 0; i < 1000; i++ {
		b.Add(1)
	}
	b.Finish()
	if len(u.updates) == 0 || len(u.updates) > 10 || len(u.finishes) != 1 {
		t.Fatalf("%d updates, %d finishes: want a few throttled updates and one finish", len(u.updates), len(u.finishes))
	}
	key := strings.Fields(u.updates[0])[0]
	if !strings.HasPrefix(u.finishes[0], key+" predict: 1000/1000 done") || !strings.Contains(u.updates[0], "[") {
		t.Errorf("update %q, finish %q", u.updates[0], u.finishes[0])
	}
}
