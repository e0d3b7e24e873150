package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/switchyard-dev/switchyard/shared/asl/intrinsic"
	"github.com/switchyard-dev/switchyard/shared/asl/jsonpath"
)

// Definition is a parsed and validated state machine definition.
type Definition struct {
	Comment        string
	TimeoutSeconds int64 // 0: none
	Machine        *Machine
	raw            string
}

// Machine is a set of states with a start state: the top level, a Parallel
// branch, or a Map item processor.
type Machine struct {
	StartAt string
	States  map[string]*State
	order   []string // state names in definition order
}

// StateType is the Type field of a state.
type StateType string

// The state types of the Amazon States Language.
const (
	TypePass     StateType = "Pass"
	TypeTask     StateType = "Task"
	TypeChoice   StateType = "Choice"
	TypeWait     StateType = "Wait"
	TypeSucceed  StateType = "Succeed"
	TypeFail     StateType = "Fail"
	TypeParallel StateType = "Parallel"
	TypeMap      StateType = "Map"
)

// optPath is an optional path field: absent, explicit null, or a path.
type optPath struct {
	set  bool // present in the definition
	null bool // explicitly null
	path *jsonpath.Path
}

// State is one parsed state. Fields that a state's type does not allow are
// rejected during parsing, so unused fields stay zero.
type State struct {
	Name    string
	Type    StateType
	Comment string
	usesCtx bool // the state's fields mention $$ (the context object)
	Next    string
	End     bool

	InputPath      optPath
	OutputPath     optPath
	ResultPath     optPath
	Parameters     *template
	ResultSelector *template
	Result         any
	hasResult      bool

	Retry []*Retrier
	Catch []*Catcher

	// Task
	Resource             string
	TimeoutSeconds       int64
	TimeoutSecondsPath   *jsonpath.Path
	HeartbeatSeconds     int64
	HeartbeatSecondsPath *jsonpath.Path

	// Choice
	Choices []*ChoiceRule
	Default string

	// Wait
	Seconds       *int64
	SecondsPath   *jsonpath.Path
	Timestamp     *time.Time
	TimestampPath *jsonpath.Path

	// Fail
	Error     string
	Cause     string
	ErrorPath *dynString
	CausePath *dynString

	// Parallel
	Branches []*Machine

	// Map
	Processor      *Machine
	ItemsPath      optPath
	ItemSelector   *template
	MaxConcurrency int64
	MaxConcPath    *jsonpath.Path
}

// dynString is a reference path or an intrinsic function yielding a string
// (ErrorPath, CausePath).
type dynString struct {
	path *jsonpath.Path
	call *intrinsic.Call
}

// Retrier is one element of a Retry field.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     int64
	BackoffRate     float64
	MaxDelaySeconds float64 // 0: none
	JitterFull      bool
}

// Catcher is one element of a Catch field.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  optPath
}

// ParseDefinition decodes and validates a definition. Every problem found is
// reported, one *DefinitionError per line naming the state and field
// (errors.As finds the first).
func ParseDefinition(src []byte) (*Definition, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, &DefinitionError{Msg: fmt.Sprintf("not valid JSON: %v", err)}
	}
	if dec.More() {
		return nil, &DefinitionError{Msg: "trailing data after the JSON object"}
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, &DefinitionError{Msg: "the definition must be a JSON object"}
	}
	p := &parser{}
	d := &Definition{raw: string(src)}
	p.checkFields("", obj, "StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage")
	if ql, ok := obj["QueryLanguage"]; ok && ql != "JSONPath" {
		p.errf("QueryLanguage", "only \"JSONPath\" is supported, got %v", ql)
	}
	if v, ok := obj["Version"]; ok && v != "1.0" {
		p.errf("Version", "must be \"1.0\", got %v", v)
	}
	d.Comment, _ = obj["Comment"].(string)
	if _, ok := obj["TimeoutSeconds"]; ok {
		d.TimeoutSeconds = p.posInt("TimeoutSeconds", obj["TimeoutSeconds"])
	}
	d.Machine = p.machine("", obj)
	if len(p.errs) > 0 {
		errs := make([]error, len(p.errs))
		for i, e := range p.errs {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// Raw returns the definition text it was parsed from.
func (d *Definition) Raw() string { return d.raw }

// StateNames lists every state name, nested ones included, in definition order.
func (d *Definition) StateNames() []string {
	var out []string
	var walk func(m *Machine)
	walk = func(m *Machine) {
		for _, n := range m.order {
			out = append(out, n)
			s := m.States[n]
			for _, b := range s.Branches {
				walk(b)
			}
			if s.Processor != nil {
				walk(s.Processor)
			}
		}
	}
	walk(d.Machine)
	return out
}

type parser struct {
	errs  []*DefinitionError
	names map[string]string // state name -> where it was first defined
}

func (p *parser) errf(path, format string, a ...any) {
	p.errs = append(p.errs, &DefinitionError{Path: path, Msg: fmt.Sprintf(format, a...)})
}

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

func (p *parser) checkFields(at string, obj map[string]any, allowed ...string) {
	var unknown []string
	for k := range obj {
		found := false
		for _, a := range allowed {
			if a == k {
				found = true
				break
			}
		}
		if !found {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		sorted := append([]string(nil), allowed...)
		sort.Strings(sorted)
		p.errf(join(at, k), "field is not allowed here (allowed: %s)", strings.Join(sorted, ", "))
	}
}

func (p *parser) str(at string, v any) string {
	s, ok := v.(string)
	if !ok {
		p.errf(at, "must be a string, got %s", jsonType(v))
	}
	return s
}

func (p *parser) posInt(at string, v any) int64 {
	n, ok := v.(json.Number)
	if !ok {
		p.errf(at, "must be a positive integer, got %s", jsonType(v))
		return 0
	}
	i, err := n.Int64()
	if err != nil || i <= 0 {
		p.errf(at, "must be a positive integer, got %s", n)
		return 0
	}
	return i
}

func (p *parser) nonNegInt(at string, v any) int64 {
	n, ok := v.(json.Number)
	if !ok {
		p.errf(at, "must be a non-negative integer, got %s", jsonType(v))
		return 0
	}
	i, err := n.Int64()
	if err != nil || i < 0 {
		p.errf(at, "must be a non-negative integer, got %s", n)
		return 0
	}
	return i
}

func (p *parser) number(at string, v any) float64 {
	f, ok := intrinsic.ToFloat(v)
	if !ok {
		p.errf(at, "must be a number, got %s", jsonType(v))
	}
	return f
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func (p *parser) path(at string, v any, reference bool) *jsonpath.Path {
	s, ok := v.(string)
	if !ok {
		p.errf(at, "must be a JSONPath string, got %s", jsonType(v))
		return nil
	}
	jp, err := jsonpath.Parse(s)
	if err != nil {
		p.errf(at, "%v", err)
		return nil
	}
	if reference && !jp.IsReference() {
		p.errf(at, "%q must be a Reference Path (names and indexes only, no wildcards, slices or '..')", s)
		return nil
	}
	return jp
}

func (p *parser) optPath(at string, obj map[string]any, field string, reference bool) optPath {
	v, ok := obj[field]
	if !ok {
		return optPath{}
	}
	if v == nil {
		return optPath{set: true, null: true}
	}
	jp := p.path(join(at, field), v, reference)
	if jp != nil && jp.Context() && field == "ResultPath" {
		p.errf(join(at, field), "ResultPath cannot address the context object ($$)")
	}
	return optPath{set: true, path: jp}
}

func (p *parser) machine(at string, obj map[string]any) *Machine {
	m := &Machine{States: map[string]*State{}}
	if p.names == nil {
		p.names = map[string]string{}
	}
	startAt, ok := obj["StartAt"]
	if !ok {
		p.errf(join(at, "StartAt"), "required field is missing")
	} else {
		m.StartAt = p.str(join(at, "StartAt"), startAt)
	}
	statesV, ok := obj["States"]
	if !ok {
		p.errf(join(at, "States"), "required field is missing")
		return m
	}
	states, ok := statesV.(map[string]any)
	if !ok || len(states) == 0 {
		p.errf(join(at, "States"), "must be a non-empty object of states")
		return m
	}
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	sort.Strings(names)
	m.order = names
	for _, name := range names {
		sat := join(at, "States."+name)
		if len(name) > 80 {
			p.errf(sat, "state name longer than 80 characters")
		}
		if prev, dup := p.names[name]; dup {
			p.errf(sat, "state name %q is already used at %s (names must be unique across the whole state machine)", name, prev)
		}
		p.names[name] = sat
		so, ok := states[name].(map[string]any)
		if !ok {
			p.errf(sat, "a state must be a JSON object, got %s", jsonType(states[name]))
			continue
		}
		if s := p.state(sat, name, so); s != nil {
			m.States[name] = s
		}
	}
	if m.StartAt != "" {
		if _, ok := states[m.StartAt]; !ok {
			p.errf(join(at, "StartAt"), "state %q does not exist (states: %s)", m.StartAt, strings.Join(names, ", "))
		}
	}
	// Transition targets must exist within this machine.
	for _, name := range names {
		s := m.States[name]
		if s == nil {
			continue
		}
		sat := join(at, "States."+name)
		check := func(field, target string) {
			if target == "" {
				return
			}
			if _, ok := states[target]; !ok {
				p.errf(join(sat, field), "target state %q does not exist in this scope", target)
			}
		}
		check("Next", s.Next)
		check("Default", s.Default)
		for i, c := range s.Choices {
			check(fmt.Sprintf("Choices[%d].Next", i), c.Next)
		}
		for i, c := range s.Catch {
			check(fmt.Sprintf("Catch[%d].Next", i), c.Next)
		}
	}
	return m
}

var commonFields = []string{"Type", "Comment"}

func fieldsFor(t StateType) []string {
	io := []string{"InputPath", "OutputPath"}
	next := []string{"Next", "End"}
	f := append([]string{}, commonFields...)
	switch t {
	case TypePass:
		f = append(append(append(f, io...), next...), "Result", "ResultPath", "Parameters")
	case TypeTask:
		f = append(append(append(f, io...), next...), "Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch",
			"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials")
	case TypeChoice:
		f = append(append(f, io...), "Choices", "Default")
	case TypeWait:
		f = append(append(append(f, io...), next...), "Seconds", "SecondsPath", "Timestamp", "TimestampPath")
	case TypeSucceed:
		f = append(f, io...)
	case TypeFail:
		f = append(f, "Error", "Cause", "ErrorPath", "CausePath")
	case TypeParallel:
		f = append(append(append(f, io...), next...), "Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch")
	case TypeMap:
		f = append(append(append(f, io...), next...), "ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "Parameters",
			"ResultSelector", "ResultPath", "Retry", "Catch", "MaxConcurrency", "MaxConcurrencyPath", "Label", "ToleratedFailurePercentage", "ToleratedFailureCount")
	}
	return f
}

func (p *parser) state(at, name string, obj map[string]any) *State {
	s := &State{Name: name}
	if b, err := json.Marshal(obj); err == nil && bytes.Contains(b, []byte("$$")) {
		s.usesCtx = true
	}
	tv, ok := obj["Type"]
	if !ok {
		p.errf(join(at, "Type"), "required field is missing")
		return nil
	}
	s.Type = StateType(p.str(join(at, "Type"), tv))
	switch s.Type {
	case TypePass, TypeTask, TypeChoice, TypeWait, TypeSucceed, TypeFail, TypeParallel, TypeMap:
	default:
		p.errf(join(at, "Type"), "unknown state type %q (allowed: Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map)", s.Type)
		return nil
	}
	p.checkFields(at, obj, fieldsFor(s.Type)...)
	if c, ok := obj["Comment"]; ok {
		s.Comment = p.str(join(at, "Comment"), c)
	}
	// Transitions.
	switch s.Type {
	case TypePass, TypeTask, TypeWait, TypeParallel, TypeMap:
		next, hasNext := obj["Next"]
		end, hasEnd := obj["End"]
		if hasNext {
			s.Next = p.str(join(at, "Next"), next)
		}
		if hasEnd {
			b, ok := end.(bool)
			if !ok {
				p.errf(join(at, "End"), "must be a boolean")
			}
			s.End = b
		}
		switch {
		case hasNext && s.End:
			p.errf(at, "has both Next and End: true; a state has exactly one of them")
		case !hasNext && !s.End:
			p.errf(at, "needs either Next or \"End\": true")
		}
	}
	s.InputPath = p.optPath(at, obj, "InputPath", false)
	s.OutputPath = p.optPath(at, obj, "OutputPath", false)
	s.ResultPath = p.optPath(at, obj, "ResultPath", true)
	if v, ok := obj["Parameters"]; ok {
		s.Parameters = p.template(join(at, "Parameters"), v)
	}
	if v, ok := obj["ResultSelector"]; ok {
		s.ResultSelector = p.template(join(at, "ResultSelector"), v)
	}
	if v, ok := obj["Result"]; ok {
		s.Result, s.hasResult = v, true
	}
	if v, ok := obj["Retry"]; ok {
		s.Retry = p.retry(join(at, "Retry"), v)
	}
	if v, ok := obj["Catch"]; ok {
		s.Catch = p.catch(join(at, "Catch"), v)
	}
	switch s.Type {
	case TypeTask:
		p.task(at, s, obj)
	case TypeChoice:
		p.choiceState(at, s, obj)
	case TypeWait:
		p.wait(at, s, obj)
	case TypeFail:
		p.fail(at, s, obj)
	case TypeParallel:
		bv, ok := obj["Branches"].([]any)
		if !ok || len(bv) == 0 {
			p.errf(join(at, "Branches"), "required: a non-empty array of state machines")
		}
		for i, b := range bv {
			bo, ok := b.(map[string]any)
			bat := fmt.Sprintf("%s.Branches[%d]", at, i)
			if !ok {
				p.errf(bat, "must be an object with StartAt and States")
				continue
			}
			p.checkFields(bat, bo, "StartAt", "States", "Comment")
			s.Branches = append(s.Branches, p.machine(bat, bo))
		}
	case TypeMap:
		p.mapState(at, s, obj)
	}
	return s
}

func (p *parser) task(at string, s *State, obj map[string]any) {
	r, ok := obj["Resource"]
	if !ok {
		p.errf(join(at, "Resource"), "required field is missing")
	} else {
		s.Resource = p.str(join(at, "Resource"), r)
		if s.Resource != "" && !strings.HasPrefix(s.Resource, "arn:") && !strings.HasPrefix(s.Resource, "${") {
			p.errf(join(at, "Resource"), "%q is not an ARN (want e.g. arn:aws:states:::lambda:invoke or a Lambda function ARN)", s.Resource)
		}
	}
	if v, ok := obj["TimeoutSeconds"]; ok {
		s.TimeoutSeconds = p.posInt(join(at, "TimeoutSeconds"), v)
	}
	if v, ok := obj["TimeoutSecondsPath"]; ok {
		if s.TimeoutSeconds != 0 {
			p.errf(at, "has both TimeoutSeconds and TimeoutSecondsPath; use one")
		}
		s.TimeoutSecondsPath = p.path(join(at, "TimeoutSecondsPath"), v, true)
	}
	if v, ok := obj["HeartbeatSeconds"]; ok {
		s.HeartbeatSeconds = p.posInt(join(at, "HeartbeatSeconds"), v)
	}
	if v, ok := obj["HeartbeatSecondsPath"]; ok {
		if s.HeartbeatSeconds != 0 {
			p.errf(at, "has both HeartbeatSeconds and HeartbeatSecondsPath; use one")
		}
		s.HeartbeatSecondsPath = p.path(join(at, "HeartbeatSecondsPath"), v, true)
	}
	if s.HeartbeatSeconds != 0 && s.TimeoutSeconds != 0 && s.HeartbeatSeconds >= s.TimeoutSeconds {
		p.errf(join(at, "HeartbeatSeconds"), "must be smaller than TimeoutSeconds (%d >= %d)", s.HeartbeatSeconds, s.TimeoutSeconds)
	}
}

func (p *parser) wait(at string, s *State, obj map[string]any) {
	n := 0
	if v, ok := obj["Seconds"]; ok {
		n++
		x := p.nonNegInt(join(at, "Seconds"), v)
		s.Seconds = &x
	}
	if v, ok := obj["SecondsPath"]; ok {
		n++
		s.SecondsPath = p.path(join(at, "SecondsPath"), v, true)
	}
	if v, ok := obj["Timestamp"]; ok {
		n++
		str := p.str(join(at, "Timestamp"), v)
		t, err := parseTimestamp(str)
		if err != nil {
			p.errf(join(at, "Timestamp"), "%q is not an RFC 3339 timestamp (e.g. 2026-03-14T01:59:00Z)", str)
		}
		s.Timestamp = &t
	}
	if v, ok := obj["TimestampPath"]; ok {
		n++
		s.TimestampPath = p.path(join(at, "TimestampPath"), v, true)
	}
	if n != 1 {
		p.errf(at, "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath (got %d)", n)
	}
}

func parseTimestamp(s string) (time.Time, error) {
	if !strings.ContainsAny(s, "Tt") {
		return time.Time{}, fmt.Errorf("no 'T' separator")
	}
	return time.Parse(time.RFC3339Nano, s)
}

func (p *parser) dynString(at string, v any) *dynString {
	str, ok := v.(string)
	if !ok {
		p.errf(at, "must be a string, got %s", jsonType(v))
		return nil
	}
	if intrinsic.IsIntrinsic(str) {
		c, err := intrinsic.Parse(str)
		if err != nil {
			p.errf(at, "%v", err)
			return nil
		}
		return &dynString{call: c}
	}
	jp := p.path(at, v, true)
	if jp == nil {
		return nil
	}
	return &dynString{path: jp}
}

func (p *parser) fail(at string, s *State, obj map[string]any) {
	if v, ok := obj["Error"]; ok {
		s.Error = p.str(join(at, "Error"), v)
	}
	if v, ok := obj["Cause"]; ok {
		s.Cause = p.str(join(at, "Cause"), v)
	}
	if v, ok := obj["ErrorPath"]; ok {
		if _, both := obj["Error"]; both {
			p.errf(at, "has both Error and ErrorPath; use one")
		}
		s.ErrorPath = p.dynString(join(at, "ErrorPath"), v)
	}
	if v, ok := obj["CausePath"]; ok {
		if _, both := obj["Cause"]; both {
			p.errf(at, "has both Cause and CausePath; use one")
		}
		s.CausePath = p.dynString(join(at, "CausePath"), v)
	}
}

func (p *parser) mapState(at string, s *State, obj map[string]any) {
	proc, hasP := obj["ItemProcessor"]
	iter, hasI := obj["Iterator"]
	field := "ItemProcessor"
	switch {
	case hasP && hasI:
		p.errf(at, "has both ItemProcessor and Iterator; use ItemProcessor")
	case hasI:
		proc, field = iter, "Iterator"
	case !hasP:
		p.errf(join(at, "ItemProcessor"), "required field is missing")
		return
	}
	po, ok := proc.(map[string]any)
	if !ok {
		p.errf(join(at, field), "must be an object with StartAt and States")
		return
	}
	pat := join(at, field)
	p.checkFields(pat, po, "StartAt", "States", "Comment", "ProcessorConfig")
	if pc, ok := po["ProcessorConfig"].(map[string]any); ok {
		if mode, ok := pc["Mode"]; ok && mode != "INLINE" {
			p.errf(join(pat, "ProcessorConfig.Mode"), "only INLINE Map is supported, got %v", mode)
		}
	}
	s.Processor = p.machine(pat, po)
	s.ItemsPath = p.optPath(at, obj, "ItemsPath", true)
	if v, ok := obj["ItemSelector"]; ok {
		if _, both := obj["Parameters"]; both {
			p.errf(at, "has both ItemSelector and Parameters; use ItemSelector")
		}
		s.ItemSelector = p.template(join(at, "ItemSelector"), v)
	} else if s.Parameters != nil {
		s.ItemSelector, s.Parameters = s.Parameters, nil
	}
	if v, ok := obj["MaxConcurrency"]; ok {
		s.MaxConcurrency = p.nonNegInt(join(at, "MaxConcurrency"), v)
	}
	if v, ok := obj["MaxConcurrencyPath"]; ok {
		s.MaxConcPath = p.path(join(at, "MaxConcurrencyPath"), v, true)
	}
	for _, f := range []string{"ToleratedFailurePercentage", "ToleratedFailureCount", "Label"} {
		if _, ok := obj[f]; ok {
			p.errf(join(at, f), "only valid for a Distributed Map, which the local engine does not run")
		}
	}
}

func (p *parser) errorEquals(at string, v any) []string {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		p.errf(at, "must be a non-empty array of error names")
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		out = append(out, p.str(fmt.Sprintf("%s[%d]", at, i), e))
	}
	for _, e := range out {
		if e == ErrNameAll && len(out) > 1 {
			p.errf(at, "States.ALL must appear alone in its ErrorEquals")
		}
	}
	return out
}

func (p *parser) retry(at string, v any) []*Retrier {
	arr, ok := v.([]any)
	if !ok {
		p.errf(at, "must be an array of retriers")
		return nil
	}
	var out []*Retrier
	for i, x := range arr {
		rat := fmt.Sprintf("%s[%d]", at, i)
		o, ok := x.(map[string]any)
		if !ok {
			p.errf(rat, "must be an object")
			continue
		}
		p.checkFields(rat, o, "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment")
		r := &Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
		r.ErrorEquals = p.errorEquals(rat+".ErrorEquals", o["ErrorEquals"])
		if v, ok := o["IntervalSeconds"]; ok {
			r.IntervalSeconds = float64(p.posInt(rat+".IntervalSeconds", v))
		}
		if v, ok := o["MaxAttempts"]; ok {
			r.MaxAttempts = p.nonNegInt(rat+".MaxAttempts", v)
		}
		if v, ok := o["BackoffRate"]; ok {
			r.BackoffRate = p.number(rat+".BackoffRate", v)
			if r.BackoffRate < 1 {
				p.errf(rat+".BackoffRate", "must be >= 1.0, got %v", v)
			}
		}
		if v, ok := o["MaxDelaySeconds"]; ok {
			r.MaxDelaySeconds = float64(p.posInt(rat+".MaxDelaySeconds", v))
		}
		if v, ok := o["JitterStrategy"]; ok {
			switch v {
			case "FULL":
				r.JitterFull = true
			case "NONE":
			default:
				p.errf(rat+".JitterStrategy", "must be FULL or NONE, got %v", v)
			}
		}
		if containsAll(r.ErrorEquals) && i != len(arr)-1 {
			p.errf(rat+".ErrorEquals", "a retrier with States.ALL must be the last one")
		}
		out = append(out, r)
	}
	return out
}

func containsAll(names []string) bool {
	for _, n := range names {
		if n == ErrNameAll {
			return true
		}
	}
	return false
}

func (p *parser) catch(at string, v any) []*Catcher {
	arr, ok := v.([]any)
	if !ok {
		p.errf(at, "must be an array of catchers")
		return nil
	}
	var out []*Catcher
	for i, x := range arr {
		cat := fmt.Sprintf("%s[%d]", at, i)
		o, ok := x.(map[string]any)
		if !ok {
			p.errf(cat, "must be an object")
			continue
		}
		p.checkFields(cat, o, "ErrorEquals", "Next", "ResultPath", "Comment")
		c := &Catcher{}
		c.ErrorEquals = p.errorEquals(cat+".ErrorEquals", o["ErrorEquals"])
		if n, ok := o["Next"]; ok {
			c.Next = p.str(cat+".Next", n)
		} else {
			p.errf(cat+".Next", "required field is missing")
		}
		c.ResultPath = p.optPath(cat, o, "ResultPath", true)
		if containsAll(c.ErrorEquals) && i != len(arr)-1 {
			p.errf(cat+".ErrorEquals", "a catcher with States.ALL must be the last one")
		}
		out = append(out, c)
	}
	return out
}
