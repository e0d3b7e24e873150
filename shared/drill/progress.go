package drill

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// progress prints the live view: one line per event, prefixed with the AWS
// time elapsed since the drill's origin (the alarm, or the start).
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	origin time.Time
}

// elapsed formats d as +MM:SS (or +H:MM:SS from an hour on).
func elapsed(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	s := int64(d.Round(time.Second) / time.Second)
	sign := "+"
	if neg {
		sign = "-"
	}
	if s >= 3600 {
		return fmt.Sprintf("%s%d:%02d:%02d", sign, s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%s%02d:%02d", sign, s/60, s%60)
}

// linef prints one line at AWS time at.
func (p *progress) linef(at time.Time, format string, a ...any) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%-7s %s\n", elapsed(at.Sub(p.origin)), fmt.Sprintf(format, a...))
}

// step prints a step state change:
//
//	+03:12  capacity / scale-api  running  desired 12, running 4
func (p *progress) step(c StepChange) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s / %s  %s", c.Stage, c.Step, c.Status)
	if c.Attempt > 1 {
		fmt.Fprintf(&b, " (attempt %d)", c.Attempt)
	}
	switch {
	case c.Error != "":
		fmt.Fprintf(&b, "  %s", oneLine(c.Error))
	case c.Message != "":
		fmt.Fprintf(&b, "  %s", oneLine(c.Message))
	case len(c.Outputs) > 0:
		fmt.Fprintf(&b, "  %s", formatOutputs(c.Outputs))
	}
	p.linef(c.At, "%s", b.String())
}

// formatOutputs renders outputs as "k v, k v" in key order.
func formatOutputs(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// oneLine keeps the first line of s, clipped to 160 characters.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
