package readiness

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
)

// Severity is how much a finding matters. Any Critical finding makes the
// target not ready.
type Severity string

// The severities, as the Readiness Changed schema spells them.
const (
	// Critical: the plan would fail (or must not run) now.
	Critical Severity = "critical"
	// Warning: it would run degraded, slower, or with a manual fallback.
	Warning Severity = "warning"
	// Info: worth knowing, nothing to fix.
	Info Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Finding is one readiness observation.
type Finding struct {
	Severity Severity `json:"severity"`
	// Check names the check, e.g. "ecs/service" or "aurora-global/replication-lag".
	Check string `json:"check"`
	// Resource is the ARN or name the finding is about.
	Resource string `json:"resource,omitempty"`
	// Step is the plan step concerned ("" for plan-level checks).
	Step string `json:"step,omitempty"`
	// Message is a sentence for a person: what is wrong, where, what to do.
	Message string `json:"message"`
}

// String renders "critical ecs/service arn:…: message".
func (f Finding) String() string {
	s := string(f.Severity) + " " + f.Check
	if f.Resource != "" {
		s += " " + f.Resource
	}
	return s + ": " + f.Message
}

// Report is the outcome of one evaluation of a plan for a target Region.
type Report struct {
	Plan        string `json:"plan"`
	PlanVersion string `json:"planVersion"`
	// Region is where the evaluation ran; Target the Region a failover
	// would move into. Readiness runs in the target, so they are normally
	// equal.
	Region string `json:"region"`
	Target string `json:"target"`
	// Source is the Region a failover into Target moves away from.
	Source      string        `json:"source,omitempty"`
	Ready       bool          `json:"ready"`
	Findings    []Finding     `json:"findings"`
	EvaluatedAt time.Time     `json:"evaluatedAt"`
	Duration    time.Duration `json:"durationNanos"`
	// Calls counts the API calls made (retries included); Checks the checks run.
	Calls  int `json:"calls"`
	Checks int `json:"checks"`
	// MetricQueries counts the metrics requested with GetMetricData (billed
	// per metric).
	MetricQueries int `json:"metricQueries"`
	// Resources counts the distinct resources looked at.
	Resources int `json:"resources"`
}

// sortFindings orders findings most severe first, then by check and resource.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		// Region-wide findings first: they explain the others.
		ra, rb := !strings.HasPrefix(a.Check, "region/"), !strings.HasPrefix(b.Check, "region/")
		return cmp.Or(cmp.Compare(a.Severity.rank(), b.Severity.rank()), compareBool(ra, rb), cmp.Compare(a.Check, b.Check),
			cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Step, b.Step), cmp.Compare(a.Message, b.Message))
	})
}

// Counts counts the findings by severity.
func (r Report) Counts() awsevent.Counts {
	var c awsevent.Counts
	for _, f := range r.Findings {
		switch f.Severity {
		case Critical:
			c.Critical++
		case Warning:
			c.Warning++
		default:
			c.Info++
		}
	}
	return c
}

// Digest identifies the outcome: a hash of the verdict and of the critical
// and warning findings' checks and resources (not their messages, which
// carry changing figures such as the current lag). Two evaluations with the
// same Digest are the same news.
func (r Report) Digest() string {
	h := sha256.New()
	fmt.Fprintf(h, "ready=%t\n", r.Ready)
	for _, f := range r.Findings {
		if f.Severity != Info {
			fmt.Fprintf(h, "%s|%s|%s|%s\n", f.Severity, f.Check, f.Resource, f.Step)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Summary is one line: the verdict and the counts, with the first critical
// finding when not ready.
func (r Report) Summary() string {
	c := r.Counts()
	if r.Ready {
		return fmt.Sprintf("plan %s is ready to fail over into %s (%d warning(s), %d info)", r.Plan, r.Target, c.Warning, c.Info)
	}
	first := ""
	for _, f := range r.Findings {
		if f.Severity == Critical {
			first = ": " + f.Message
			break
		}
	}
	return fmt.Sprintf("plan %s is NOT ready to fail over into %s (%d critical, %d warning)%s", r.Plan, r.Target, c.Critical, c.Warning, first)
}

// Critical returns the messages of the critical findings.
func (r Report) Critical() []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == Critical {
			out = append(out, f.Message)
		}
	}
	return out
}

// EventFindings converts findings for a Readiness Changed event: most
// severe first, at most limit.
func (r Report) EventFindings(limit int) []awsevent.Finding {
	out := make([]awsevent.Finding, 0, min(limit, len(r.Findings)))
	for _, f := range r.Findings {
		if len(out) == limit {
			break
		}
		out = append(out, awsevent.Finding{Severity: string(f.Severity), Check: f.Check, Resource: f.Resource, Message: f.Message})
	}
	return out
}

// EMF renders the report as one CloudWatch Embedded Metric Format line in
// namespace Switchyard with dimensions Plan and Region and one metric,
// Ready (1 or 0): one custom metric per plan and Region keeps the bill at
// $0.30 per plan and Region per month. The counts and the duration travel
// as plain properties, queryable with Logs Insights at no metric cost.
func (r Report) EMF() ([]byte, error) {
	c := r.Counts()
	ready := 0
	if r.Ready {
		ready = 1
	}
	doc := map[string]any{
		"_aws": map[string]any{
			"Timestamp": r.EvaluatedAt.UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "Switchyard",
				"Dimensions": [][]string{{"Plan", "Region"}},
				"Metrics": []any{
					map[string]string{"Name": "Ready", "Unit": "None"},
				},
			}},
		},
		"Plan":              r.Plan,
		"Region":            r.Target,
		"PlanVersion":       r.PlanVersion,
		"Ready":             ready,
		"CriticalFindings":  c.Critical,
		"WarningFindings":   c.Warning,
		"EvaluationSeconds": r.Duration.Seconds(),
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encoding the readiness metric of %s in %s: %w", r.Plan, r.Target, err)
	}
	return b, nil
}

// Text renders the report for a terminal: the summary, then one finding per
// line.
func (r Report) Text() string {
	var b strings.Builder
	b.WriteString(r.Summary())
	b.WriteString("\n")
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %-8s %-32s %s\n", f.Severity, f.Check, f.Message)
	}
	return b.String()
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
