package plan

import "strings"

// levenshtein is the edit distance between a and b (bytes; plan field names
// and enum values are ASCII).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// suggest returns the candidate nearest to s when it is a plausible typo
// (case-insensitive distance within a third of its length, at least 1, at
// most 3), or "".
func suggest(s string, candidates []string) string {
	if len(s) > 64 {
		return ""
	}
	best, bestDist := "", 1<<30
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := levenshtein(ls, strings.ToLower(c))
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, min(3, len(s)/3))
	if best == "" || bestDist > limit {
		return ""
	}
	return best
}

// didYouMean renders a "did you mean X?" hint, or "" without a near miss.
func didYouMean(s string, candidates []string) string {
	if m := suggest(s, candidates); m != "" {
		return "did you mean " + m + "?"
	}
	return ""
}

// oneOf renders an allowed-values list: "a | b | c".
func oneOf(values []string) string { return strings.Join(values, " | ") }
