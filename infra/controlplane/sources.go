package controlplane

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Function is one function found under functions/<Name>/main.go.
type Function struct {
	// Name is the directory name.
	Name string
	// Settings are its entry in the settings table, defaults applied.
	Settings FunctionSettings
}

// StateMachine is one definition found at statemachines/<Name>.asl.json.
type StateMachine struct {
	// Name is the file's base name without .asl.json.
	Name string
	// Path is the file's path.
	Path string
	// Definition is the file's content, byte for byte.
	Definition string
	// Uses lists the ${Name} substitutions the definition uses, sorted.
	Uses []string
}

// Rule is one EventBridge rule found at events/rules/<Name>.json.
type Rule struct {
	// Name is the file's base name without .json.
	Name string
	// Path is the file's path.
	Path string
	// Pattern is the file's content decoded: the rule's event pattern.
	Pattern map[string]any
	// Target is where the rule delivers.
	Target RuleTarget
}

// Schedule is one schedule found at events/schedules/<Name>.json.
type Schedule struct {
	// Name is the file's base name without .json.
	Name string `json:"-"`
	// Path is the file's path.
	Path string `json:"-"`
	// Description says what the schedule is for.
	Description string `json:"description"`
	// Expression is an EventBridge schedule expression: rate(...) or cron(...).
	Expression string `json:"scheduleExpression"`
	// Functions are the functions it invokes (from the schedule target
	// table).
	Functions []string `json:"-"`
}

// PendingStateMachine is a definition that cannot be deployed yet because
// a function or state machine it names has not landed.
type PendingStateMachine struct {
	StateMachine
	// Missing lists what it waits for ("functions/step", "statemachines/run-step").
	Missing []string
}

// Sources is everything the app reads from the repository.
type Sources struct {
	Functions []Function
	// StateMachines are the deployable definitions: everything they name
	// exists.
	StateMachines []StateMachine
	// Pending are the definitions that wait for a function or state machine
	// to land; they are deployed as soon as it does.
	Pending   []PendingStateMachine
	Rules     []Rule
	Schedules []Schedule
	// all lists every definition found, deployable or not (the provided
	// substitutions are defined for all of them).
	all []StateMachine
}

// Function returns the function named name, if it exists.
func (s *Sources) Function(name string) (Function, bool) {
	for _, f := range s.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// HasStateMachine reports whether statemachines/<name>.asl.json exists and
// is deployable.
func (s *Sources) HasStateMachine(name string) bool {
	return slices.ContainsFunc(s.StateMachines, func(m StateMachine) bool { return m.Name == name })
}

var (
	nameRE         = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	substitutionRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)
)

// LoadSources reads functions/*/main.go, statemachines/*.asl.json,
// events/rules/*.json and events/schedules/*.json under root and checks
// them: every function and schedule has a table entry, every definition and
// pattern is a JSON object, every ${Name} a definition uses is one the app
// provides, and every rule's target is a known function. All problems are
// reported at once, each naming its file. Missing directories mean "nothing
// there yet"; a definition naming a function that has not landed is Pending,
// not an error.
func LoadSources(root string) (*Sources, error) {
	var (
		src  Sources
		errs []error
	)

	fnDirs, err := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if err != nil {
		return nil, fmt.Errorf("listing functions under %s: %w", root, err)
	}
	for _, p := range fnDirs {
		name := filepath.Base(filepath.Dir(p))
		rel := filepath.Join("functions", name)
		if !nameRE.MatchString(name) {
			errs = append(errs, fmt.Errorf("%s: function name %q must be lowercase words joined by '-' (like execute-plan)", rel, name))
			continue
		}
		settings, ok := FunctionSettingsFor(name)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: no entry in the infra function settings table (infra/controlplane/settings.go functionSettings); add one with its memory, timeout, reserved concurrency and access (known: %s)", rel, strings.Join(FunctionNames(), ", ")))
			continue
		}
		src.Functions = append(src.Functions, Function{Name: name, Settings: settings})
	}

	smFiles, err := filepath.Glob(filepath.Join(root, "statemachines", "*.asl.json"))
	if err != nil {
		return nil, fmt.Errorf("listing state machines under %s: %w", root, err)
	}
	for _, p := range smFiles {
		name := strings.TrimSuffix(filepath.Base(p), ".asl.json")
		rel := filepath.Join("statemachines", filepath.Base(p))
		if !nameRE.MatchString(name) {
			errs = append(errs, fmt.Errorf("%s: state machine name %q must be lowercase words joined by '-' (like execute-plan)", rel, name))
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rel, err))
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal(data, &obj); err != nil {
			errs = append(errs, fmt.Errorf("%s: not a JSON object: %w", rel, err))
			continue
		}
		src.all = append(src.all, StateMachine{
			Name: name, Path: rel, Definition: string(data), Uses: usedSubstitutions(string(data)),
		})
	}

	ruleFiles, err := filepath.Glob(filepath.Join(root, "events", "rules", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("listing rules under %s: %w", root, err)
	}
	for _, p := range ruleFiles {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		rel := filepath.Join("events", "rules", filepath.Base(p))
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rel, err))
			continue
		}
		pattern, err := decodePattern(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rel, err))
			continue
		}
		target := RuleTargetFor(name)
		unknown := false
		for _, fn := range target.Functions {
			if _, ok := functionSettings[fn]; !ok {
				errs = append(errs, fmt.Errorf("%s: target function %q has no entry in the function settings table", rel, fn))
				unknown = true
			}
		}
		if unknown {
			continue
		}
		src.Rules = append(src.Rules, Rule{Name: name, Path: rel, Pattern: pattern, Target: target})
	}

	schedFiles, err := filepath.Glob(filepath.Join(root, "events", "schedules", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("listing schedules under %s: %w", root, err)
	}
	for _, p := range schedFiles {
		sc, err := loadSchedule(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		src.Schedules = append(src.Schedules, sc)
	}

	// Substitutions are checked last: they depend on which state machines
	// exist.
	provided := src.ProvidedSubstitutions()
	for _, sm := range src.all {
		for _, use := range sm.Uses {
			if !slices.Contains(provided, use) {
				errs = append(errs, fmt.Errorf("%s: uses ${%s}, which the CDK app does not provide (provided: %s)", sm.Path, use, strings.Join(provided, ", ")))
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("loading Switchyard sources under %s: %w", root, errors.Join(errs...))
	}
	src.splitPending()
	return &src, nil
}

// splitPending moves every definition that names a function not yet in
// functions/, or a state machine that is itself pending, to Pending. It
// repeats until nothing moves, so a parent waits for its children.
func (s *Sources) splitPending() {
	ready := map[string]bool{}
	for _, m := range s.all {
		ready[m.Name] = true
	}
	missing := map[string][]string{}
	for changed := true; changed; {
		changed = false
		for _, m := range s.all {
			if !ready[m.Name] {
				continue
			}
			var miss []string
			for _, use := range m.Uses {
				if fn, ok := functionForSubstitution(use); ok {
					if _, exists := s.Function(fn); !exists {
						miss = append(miss, "functions/"+fn)
					}
				}
				if name, ok := s.stateMachineForSubstitution(use); ok && !ready[name] {
					miss = append(miss, "statemachines/"+name)
				}
			}
			if len(miss) > 0 {
				ready[m.Name] = false
				missing[m.Name] = miss
				changed = true
			}
		}
	}
	s.StateMachines, s.Pending = nil, nil
	for _, m := range s.all {
		if ready[m.Name] {
			s.StateMachines = append(s.StateMachines, m)
		} else {
			s.Pending = append(s.Pending, PendingStateMachine{StateMachine: m, Missing: missing[m.Name]})
		}
	}
}

var scheduleRE = regexp.MustCompile(`^(rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\)|cron\(\S+( \S+){5}\))$`)

// loadSchedule reads one events/schedules file: {"description",
// "scheduleExpression"}, nothing else.
func loadSchedule(p string) (Schedule, error) {
	name := strings.TrimSuffix(filepath.Base(p), ".json")
	rel := filepath.Join("events", "schedules", filepath.Base(p))
	data, err := os.ReadFile(p)
	if err != nil {
		return Schedule{}, fmt.Errorf("%s: %w", rel, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sc Schedule
	if err := dec.Decode(&sc); err != nil {
		return Schedule{}, fmt.Errorf("%s: not a schedule ({\"description\": …, \"scheduleExpression\": \"rate(5 minutes)\"}): %w", rel, err)
	}
	if !scheduleRE.MatchString(sc.Expression) {
		return Schedule{}, fmt.Errorf("%s: scheduleExpression %q: want rate(N minutes|hours|days) or cron(six fields)", rel, sc.Expression)
	}
	fn, ok := scheduleTargets[name]
	if !ok {
		return Schedule{}, fmt.Errorf("%s: no entry in the infra schedule target table (infra/controlplane/settings.go scheduleTargets); add the function it invokes", rel)
	}
	sc.Name, sc.Path, sc.Functions = name, rel, fn
	return sc, nil
}

// decodePattern decodes an event pattern file: a JSON object, with nothing
// after it.
func decodePattern(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var pattern map[string]any
	if err := dec.Decode(&pattern); err != nil {
		return nil, fmt.Errorf("not a JSON object (an EventBridge event pattern): %w", err)
	}
	if pattern == nil || len(pattern) == 0 {
		return nil, errors.New("empty event pattern (it would match every event)")
	}
	if dec.More() {
		return nil, errors.New("trailing data after the event pattern object")
	}
	return pattern, nil
}

// usedSubstitutions returns the distinct ${Name} placeholders in s, sorted.
func usedSubstitutions(s string) []string {
	var names []string
	for _, m := range substitutionRE.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	sort.Strings(names)
	return names
}

// CheckBinaries reports every function whose prebuilt bootstrap is missing
// from binDir/<name>/bootstrap.
func CheckBinaries(binDir string, fns []Function) error {
	var errs []error
	for _, f := range fns {
		p := filepath.Join(binDir, f.Name, "bootstrap")
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("functions/%s: no prebuilt binary at %s (build the functions first: infra/synth.sh builds them all)", f.Name, p))
		case err != nil:
			errs = append(errs, fmt.Errorf("functions/%s: %w", f.Name, err))
		case st.IsDir():
			errs = append(errs, fmt.Errorf("functions/%s: %s is a directory, not the bootstrap binary", f.Name, p))
		}
	}
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
