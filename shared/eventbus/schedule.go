package eventbus

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
)

// Schedule is an EventBridge schedule from events/schedules. Schedules are
// not event patterns: a schedule rule has a schedule expression, and
// EventBridge sends its "Scheduled Event" straight to the rule's targets, so
// no pattern rule ever sees it.
type Schedule struct {
	// Name is the file's base name without ".json".
	Name string `json:"-"`
	// Description says what the schedule is for.
	Description string `json:"description"`
	// Expression is "rate(N unit)" or "cron(...)".
	Expression string `json:"scheduleExpression"`
}

var (
	rateExpr = regexp.MustCompile(`^rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)$`)
	cronExpr = regexp.MustCompile(`^cron\(\S+( \S+){5}\)$`)
)

// Interval returns the period of a rate expression. Cron expressions are
// valid in files but the local bus does not run them.
func (s Schedule) Interval() (time.Duration, error) {
	m := rateExpr.FindStringSubmatch(s.Expression)
	if m == nil {
		if cronExpr.MatchString(s.Expression) {
			return 0, fmt.Errorf("schedule %s: %q: the local bus runs rate(...) schedules only", s.Name, s.Expression)
		}
		return 0, fmt.Errorf("schedule %s: %q is not a schedule expression; use rate(5 minutes) or cron(...)", s.Name, s.Expression)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, fmt.Errorf("schedule %s: %q: %w", s.Name, s.Expression, err)
	}
	if (n == 1) != !strings.HasSuffix(m[2], "s") {
		return 0, fmt.Errorf("schedule %s: %q: EventBridge wants the singular unit for 1 and the plural otherwise", s.Name, s.Expression)
	}
	unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(m[2], "s")]
	return time.Duration(n) * unit, nil
}

// LoadSchedules reads every *.json file in dir as a Schedule, sorted by
// name. It refuses unknown fields and malformed expressions.
func LoadSchedules(dir string) ([]Schedule, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("reading schedules: %w", err)
	}
	return loadSchedules(os.DirFS(dir), ".", dir)
}

// LoadSchedulesFS is LoadSchedules on a file system, such as events.FS.
func LoadSchedulesFS(fsys fs.FS, dir string) ([]Schedule, error) {
	return loadSchedules(fsys, dir, dir)
}

func loadSchedules(fsys fs.FS, dir, shown string) ([]Schedule, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("reading schedules: %w", err)
	}
	var out []Schedule
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		file := path.Join(shown, e.Name())
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, &RuleError{File: file, Err: err}
		}
		var s Schedule
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, &RuleError{File: file, Err: fmt.Errorf("a schedule is {\"description\": ..., \"scheduleExpression\": ...}: %w", err)}
		}
		s.Name = strings.TrimSuffix(e.Name(), ".json")
		if !ruleName.MatchString(s.Name) {
			return nil, &RuleError{File: file, Err: fmt.Errorf("schedule name %q must be 1-64 characters of letters, digits, '.', '-' and '_'", s.Name)}
		}
		if _, err := s.Interval(); err != nil && !cronExpr.MatchString(s.Expression) {
			return nil, &RuleError{File: file, Err: err}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Event builds the "Scheduled Event" EventBridge sends to the schedule's
// targets at t, with the rule ARN (rule name = schedule name) as resource.
func (s Schedule) Event(t time.Time, account, region string) ([]byte, error) {
	ev := awsevent.ScheduledEvent{Header: awsevent.Header{
		Version:    "0",
		ID:         awsevent.NewID(),
		DetailType: awsevent.DetailTypeScheduledEvent,
		Source:     awsevent.SourceEvents,
		Account:    account,
		Time:       t.UTC().Truncate(time.Second),
		Region:     region,
		Resources:  []string{fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, account, s.Name)},
	}}
	return json.Marshal(ev)
}

// RunSchedule sends the schedule's event to t every interval of clock time,
// first after one interval, until ctx ends (it then returns ctx's error).
// Each event is delivered with the bus's retry policy; deliveries of one tick
// finish before the next tick is counted. Start it with the clock's Go.
func (b *Bus) RunSchedule(ctx context.Context, s Schedule, account, region string, t Target) error {
	every, err := s.Interval()
	if err != nil {
		return err
	}
	for {
		if err := b.clk.Sleep(ctx, every); err != nil {
			return err
		}
		ev, err := s.Event(b.clk.Now(), account, region)
		if err != nil {
			return fmt.Errorf("schedule %s: %w", s.Name, err)
		}
		rc := &Receipt{}
		res := &Result{Rule: s.Name, Target: "schedule", Copy: 1}
		rc.results = append(rc.results, res)
		b.deliver(ctx, rc, res, t, ev)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
