package suggest

import (
	"fmt"
	"testing"
)

func TestClosest(t *testing.T) {
	known := []string{"train", "predict", "pretrain", "reproduce", "redistribute", "score"}
	for _, tc := range []struct{ in, want string }{
		{"trian", "train"},         // transposition
		{"predcit", "predict"},     // transposition
		{"reprodcue", "reproduce"}, // transposition
		{"scroe", "score"},         // transposition
		{"pretrian", "pretrain"},   // one swap, not "train"
		{"redist", "redistribute"}, // prefix
		{"TRAIN", "train"},         // case
		{"xyz", ""},                // nothing near
		{"ensemble", ""},           // a real word, nothing near
		{"", ""},                   // nothing typed
	} {
		if got := Closest(tc.in, known); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Closest("a", nil); got != "" {
		t.Errorf("Closest with no candidates = %q", got)
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"ab", "ba", 1}, {"lr", "lr", 0},
	} {
		if got := distance(tc.a, tc.b); got != tc.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func ExampleDidYouMean() {
	fmt.Println("unknown flag --epohcs" + DidYouMean("--epohcs", []string{"--epochs", "--lr"}))
	// Output: unknown flag --epohcs (did you mean --epochs?)
}
