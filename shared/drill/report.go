package drill

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"time"
)

// WriteReport writes report.json (the Result) and report.html (a
// self-contained page: objectives vs achieved, a Gantt chart of the
// timeline, approvals, faults, invariants) into dir, creating it if needed.
func WriteReport(dir string, r *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating report directory %s: %w", dir, err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding report.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing report.json: %w", err)
	}
	page, err := RenderHTML(r)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.html"), page, 0o644); err != nil {
		return fmt.Errorf("writing report.html: %w", err)
	}
	return nil
}

// ganttBar is one row of the chart, in SVG coordinates.
type ganttBar struct {
	Label  string
	Status string
	Class  string
	Y      float64
	X, W   float64
	Tip    string
	TextX  float64
	Detail string
}

// ganttTick is one time mark on the axis.
type ganttTick struct {
	X     float64
	Label string
}

// ganttMark is a vertical line (traffic served, RTO objective).
type ganttMark struct {
	X     float64
	Label string
	Class string
}

type htmlPage struct {
	R                *Result
	Runs             []*Result
	Width, Height    float64
	LabelW, ChartW   float64
	Bars             []ganttBar
	Ticks            []ganttTick
	Marks            []ganttMark
	AxisY            float64
	Generated        string
	RTO, RPO, CP     string
	RTOObj, RPOObj   string
	OverheadText     string
	InvariantsPassed bool
}

const (
	rowH   = 22.0
	labelW = 300.0
	chartW = 760.0
	topPad = 28.0
)

// RenderHTML renders the report page for r.
func RenderHTML(r *Result) ([]byte, error) {
	runs := r.Plans
	if len(runs) == 0 {
		runs = []*Result{r}
	}
	origin := r.AlarmAt
	end := r.EndedAt
	for _, run := range runs {
		if origin.IsZero() || (!run.AlarmAt.IsZero() && run.AlarmAt.Before(origin)) {
			origin = run.AlarmAt
		}
		end = latest(end, run.EndedAt, run.ServedAt)
		for _, s := range run.Steps {
			end = latest(end, s.EndedAt)
		}
	}
	span := end.Sub(origin)
	if r.RTOObjectiveSeconds > 0 {
		span = max(span, time.Duration(r.RTOObjectiveSeconds*float64(time.Second)))
	}
	if span <= 0 {
		span = time.Minute
	}
	x := func(t time.Time) float64 {
		if t.IsZero() {
			return labelW
		}
		return labelW + chartW*float64(t.Sub(origin))/float64(span)
	}
	pg := &htmlPage{R: r, Runs: runs, LabelW: labelW, ChartW: chartW, Width: labelW + chartW + 140, Generated: origin.UTC().Format(time.RFC3339)}
	y := topPad
	addBar := func(label, status, class string, from, to time.Time, detail string) {
		x0, x1 := x(from), x(to)
		if to.IsZero() || x1 < x0 {
			x1 = x0
		}
		w := math.Max(x1-x0, 2)
		tip := fmt.Sprintf("%s: %s → %s (%s)", label, elapsed(from.Sub(origin)), elapsed(to.Sub(origin)), to.Sub(from).Round(time.Second))
		if to.IsZero() {
			tip = fmt.Sprintf("%s: did not run", label)
		}
		pg.Bars = append(pg.Bars, ganttBar{Label: label, Status: status, Class: class, Y: y, X: x0, W: w, Tip: tip, TextX: x0 + w + 4, Detail: detail})
		y += rowH
	}
	for _, run := range runs {
		prefix := ""
		if len(runs) > 1 {
			prefix = run.Plan + ": "
		}
		if run.StartedAt.After(run.AlarmAt) {
			addBar(prefix+"trigger held", "held", "hold", run.AlarmAt, run.StartedAt, run.StartedBy)
		}
		for _, s := range run.Steps {
			detail := s.Status
			if s.Continued {
				detail += " (continued: onFailure continue)"
			}
			if s.Attempts > 1 {
				detail += fmt.Sprintf(", %d attempts", s.Attempts)
			}
			addBar(prefix+s.Stage+" / "+s.Name, s.Status, statusClass(s.Status), s.StartedAt, s.EndedAt, detail)
		}
	}
	pg.AxisY = y + 4
	pg.Height = y + 30
	for i := 0; i <= 10; i++ {
		t := origin.Add(span * time.Duration(i) / 10)
		pg.Ticks = append(pg.Ticks, ganttTick{X: x(t), Label: elapsed(t.Sub(origin))})
	}
	for _, run := range runs {
		if run.Served && !run.ServedAt.IsZero() {
			pg.Marks = append(pg.Marks, ganttMark{X: x(run.ServedAt), Label: "served from " + run.Target, Class: "served"})
		}
	}
	if r.RTOObjectiveSeconds > 0 {
		pg.Marks = append(pg.Marks, ganttMark{X: x(origin.Add(time.Duration(r.RTOObjectiveSeconds * float64(time.Second)))), Label: "RTO objective", Class: "objective"})
	}
	pg.RTO = fmtSeconds(r.RTOSeconds)
	pg.RPO = fmtSeconds(r.RPOSeconds)
	pg.CP = fmtSeconds(r.CriticalPathSeconds)
	pg.RTOObj = fmtSeconds(r.RTOObjectiveSeconds)
	pg.RPOObj = fmtSeconds(r.RPOObjectiveSeconds)
	pg.OverheadText = fmt.Sprintf("%.3f", r.Overhead)
	pg.InvariantsPassed = len(r.Invariants.Problems) == 0
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, pg); err != nil {
		return nil, fmt.Errorf("rendering report.html: %w", err)
	}
	return buf.Bytes(), nil
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

func statusClass(s string) string {
	switch s {
	case "SUCCEEDED":
		return "ok"
	case "SKIPPED", "PENDING", "":
		return "skip"
	case "RUNNING", "WAITING":
		return "run"
	}
	return "bad"
}

// fmtSeconds renders seconds as "7m25s", or to the tenth of a second below
// a minute ("800ms", "0s").
func fmtSeconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

var pageTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"add": func(a, b float64) float64 { return a + b },
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("15:04:05")
	},
	"yesno": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Switchyard drill: {{.R.Plan}} → {{.R.Target}} ({{.R.Status}})</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2430;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.sub{color:#5a6478;margin-bottom:16px}
.status{display:inline-block;padding:2px 8px;border-radius:4px;color:#fff;font-weight:600}
.SUCCEEDED{background:#1a7f37}.FAILED,.TIMED_OUT,.ABORTED{background:#cf222e}
table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #d0d7de;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.met{color:#1a7f37;font-weight:600}.missed{color:#cf222e;font-weight:600}
svg text{font:12px system-ui,sans-serif}
.ok{fill:#2da44e}.bad{fill:#cf222e}.skip{fill:#afb8c1}.run{fill:#bf8700}.hold{fill:#8250df}
.served{stroke:#0969da}.objective{stroke:#cf222e;stroke-dasharray:4 3}
code{font:12px ui-monospace,monospace;background:#f6f8fa;padding:1px 4px}
td code{word-break:break-all}td.out{max-width:520px}
</style></head><body>
<h1>Drill: {{.R.Plan}} → {{.R.Target}} <span class="status {{.R.Status}}">{{.R.Status}}</span></h1>
<div class="sub">execution <code>{{.R.ExecutionID}}</code> · mode {{.R.Mode}}{{if ne .R.Mode .R.FinalMode}} → {{.R.FinalMode}}{{end}} · started by {{.R.StartedBy}} · alarm at {{ts .R.AlarmAt}} UTC (AWS time) · {{printf "%.2f" .R.WallSeconds}} s wall time</div>

<h2>Objectives vs achieved</h2>
<table>
<tr><th></th><th>objective</th><th>achieved</th><th></th></tr>
<tr><td>RTO (alarm or start → traffic served from {{.R.Target}})</td><td>{{.RTOObj}}</td><td>{{if .R.Served}}{{.RTO}}{{else}}not served{{end}}</td><td class="{{if .R.RTOMet}}met{{else}}missed{{end}}">{{if .R.RTOMet}}met{{else}}missed{{end}}</td></tr>
<tr><td>RPO (data loss accepted)</td><td>{{.RPOObj}}</td><td>{{.RPO}}</td><td class="{{if .R.RPOMet}}met{{else}}missed{{end}}">{{if .R.RPOMet}}met{{else}}missed{{end}}</td></tr>
<tr><td>Critical path (lower bound of the RTO on this world)</td><td></td><td>{{.CP}}</td><td>overhead ×{{.OverheadText}}</td></tr>
<tr><td>Step Functions</td><td></td><td>{{.R.HistoryEvents}} history events, {{.R.StateTransitions}} state transitions</td><td></td></tr>
</table>

<h2>Timeline</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" role="img" aria-label="Gantt chart of the drill">
{{range .Ticks}}<line x1="{{.X}}" y1="16" x2="{{.X}}" y2="{{$.AxisY}}" stroke="#eaeef2"/><text x="{{.X}}" y="12" text-anchor="middle" fill="#5a6478">{{.Label}}</text>
{{end}}{{range .Bars}}<text x="{{add $.LabelW -8}}" y="{{add .Y 15}}" text-anchor="end">{{.Label}}</text><rect class="{{.Class}}" x="{{.X}}" y="{{add .Y 3}}" width="{{.W}}" height="16" rx="3"><title>{{.Tip}}</title></rect><text x="{{.TextX}}" y="{{add .Y 15}}" fill="#5a6478">{{.Detail}}</text>
{{end}}{{range .Marks}}<line class="{{.Class}}" x1="{{.X}}" y1="18" x2="{{.X}}" y2="{{$.AxisY}}" stroke-width="2"/><text x="{{add .X 4}}" y="{{add $.AxisY 16}}" fill="#1d2430">{{.Label}}</text>
{{end}}</svg>

<h2>Steps</h2>
{{range .Runs}}{{if gt (len $.Runs) 1}}<h3>{{.Plan}} <span class="status {{.Status}}">{{.Status}}</span> <code>{{.ExecutionID}}</code></h3>{{end}}
<table><tr><th>stage</th><th>step</th><th>block</th><th>status</th><th>started</th><th>ended</th><th>attempts</th><th>output / error</th></tr>
{{range .Steps}}<tr><td>{{.Stage}}</td><td>{{.Name}}</td><td>{{.Block}}</td><td>{{.Status}}{{if .Continued}} (continued){{end}}</td><td>{{ts .StartedAt}}</td><td>{{ts .EndedAt}}</td><td>{{.Attempts}}</td><td class="out">{{if .Error}}{{.Error}}{{else}}<code>{{printf "%s" .Output}}</code>{{end}}</td></tr>
{{end}}</table>
<p>Critical path:</p><table><tr><th>segment</th><th>name</th><th>step</th><th>seconds</th><th>basis</th></tr>
{{range .CriticalPath}}<tr><td>{{.Kind}}</td><td>{{.Name}}</td><td>{{.Step}}</td><td>{{.Seconds}}</td><td>{{.Basis}}</td></tr>
{{end}}</table>
{{end}}
<h2>Approvals and decisions</h2>
{{if .R.Approvals}}<table><tr><th>kind</th><th>step</th><th>status</th><th>answer</th><th>by</th><th>asked</th><th>decided</th><th>waited</th></tr>
{{range .R.Approvals}}<tr><td>{{.Kind}}</td><td>{{.Step}}</td><td>{{.Status}}</td><td>{{.Answer}}</td><td>{{if .Approvers}}{{range $i, $a := .Approvers}}{{if $i}}, {{end}}{{$a}}{{end}}{{else}}{{.DecidedBy}}{{end}}</td><td>{{ts .AskedAt}}</td><td>{{ts .DecidedAt}}</td><td>{{.WaitSeconds}} s</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}

<h2>Faults injected</h2>
{{if .R.Faults}}<ul>{{range .R.Faults}}<li><code>{{.}}</code></li>{{end}}</ul>{{else}}<p>None.</p>{{end}}

<h2>Invariants after the run</h2>
<table>
<tr><td>writer Region(s)</td><td>{{range .R.Invariants.Writers}}{{.}} {{end}}</td></tr>
<tr><td>traffic sent to</td><td>{{range .R.Invariants.Traffic}}{{.}} {{end}}</td></tr>
<tr><td>plan lock released</td><td>{{yesno .R.Invariants.LockReleased}}</td></tr>
<tr><td>audit complete</td><td>{{yesno .R.Invariants.AuditComplete}}</td></tr>
</table>
{{if .InvariantsPassed}}<p class="met">All invariants hold.</p>{{else}}<ul>{{range .R.Invariants.Problems}}<li class="missed">{{.}}</li>{{end}}</ul>{{end}}
{{if .R.Error}}<h2>Error</h2><p><code>{{.R.Error}}</code> {{.R.Cause}}</p>{{end}}
</body></html>
`))
