// Package suggest finds the known name closest to a mistyped one, so that
// an unknown flag, command, preset or recipe can be answered with "did you
// mean ...?" as git and timm do.
package suggest

import "strings"

// Closest returns the candidate nearest to name by edit distance (case
// folded), or "" when none is near enough to be a plausible typo: at most a
// third of the longer name's letters may differ, and at least one must match.
func Closest(name string, candidates []string) string {
	n := strings.ToLower(name)
	// A unique prefix ("champ" for "champion") is a plausible abbreviation.
	var prefixed []string
	for _, c := range candidates {
		if len(n) >= 2 && strings.HasPrefix(strings.ToLower(c), n) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	best, bestD := "", -1
	for _, c := range candidates {
		d := distance(n, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return ""
	}
	limit := max(len(name), len(best)) / 3
	if bestD > max(limit, 1) || bestD >= max(len(name), len(best)) {
		return ""
	}
	return best
}

// DidYouMean is " (did you mean X?)" for the closest candidate, or "".
func DidYouMean(name string, candidates []string) string {
	if c := Closest(name, candidates); c != "" {
		return " (did you mean " + c + "?)"
	}
	return ""
}

// distance is the Levenshtein distance with adjacent transpositions
// counting as one edit (optimal string alignment).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
