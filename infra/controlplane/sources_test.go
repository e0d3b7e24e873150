package controlplane

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite statemachines/substitutions.json from the app's substitutions")

// writeTree creates files (path → content) under a temporary root.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const tinyMain = "package main\n\nfunc main() {}\n"

func TestLoadSourcesErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error, each must appear
	}{
		{
			name:  "function without settings",
			files: map[string]string{"functions/mystery/main.go": tinyMain},
			want:  []string{"functions/mystery: no entry in the infra function settings table", "known: api, approval"},
		},
		{
			name:  "function name not kebab case",
			files: map[string]string{"functions/Bad_Name/main.go": tinyMain},
			want:  []string{`functions/Bad_Name: function name "Bad_Name" must be lowercase words`},
		},
		{
			name:  "definition not JSON",
			files: map[string]string{"statemachines/broken.asl.json": "{"},
			want:  []string{"statemachines/broken.asl.json: not a JSON object"},
		},
		{
			name:  "unknown substitution",
			files: map[string]string{"statemachines/x.asl.json": `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${NopeFunctionArn}","End":true}}}`},
			want:  []string{"statemachines/x.asl.json: uses ${NopeFunctionArn}, which the CDK app does not provide (provided: ApiFunctionArn"},
		},
		{
			name:  "rule not an object",
			files: map[string]string{"events/rules/r.json": `["aws.cloudwatch"]`},
			want:  []string{"events/rules/r.json: not a JSON object"},
		},
		{
			name:  "empty rule",
			files: map[string]string{"events/rules/r.json": `{}`},
			want:  []string{"events/rules/r.json: empty event pattern"},
		},
		{
			name:  "rule with trailing data",
			files: map[string]string{"events/rules/r.json": `{"source":["a"]} {}`},
			want:  []string{"events/rules/r.json: trailing data"},
		},
		{
			name:  "schedule without target",
			files: map[string]string{"events/schedules/nightly.json": `{"description":"d","scheduleExpression":"rate(1 day)"}`},
			want:  []string{"events/schedules/nightly.json: no entry in the infra schedule target table"},
		},
		{
			name:  "bad schedule expression",
			files: map[string]string{"events/schedules/readiness.json": `{"description":"d","scheduleExpression":"every 5 minutes"}`},
			want:  []string{`events/schedules/readiness.json: scheduleExpression "every 5 minutes"`},
		},
		{
			name:  "schedule with unknown field",
			files: map[string]string{"events/schedules/readiness.json": `{"description":"d","scheduleExpression":"rate(5 minutes)","target":"x"}`},
			want:  []string{"events/schedules/readiness.json: not a schedule", "unknown field"},
		},
		{
			name: "every problem at once",
			files: map[string]string{
				"functions/mystery/main.go":     tinyMain,
				"statemachines/broken.asl.json": "[",
				"events/rules/r.json":           "{}",
			},
			want: []string{"functions/mystery", "statemachines/broken.asl.json", "events/rules/r.json"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadSources(writeTree(t, tc.files))
			if err == nil {
				t.Fatal("LoadSources succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadSourcesPending(t *testing.T) {
	root := writeTree(t, map[string]string{
		"functions/approval/main.go": tinyMain,
		// parent → child → a missing function: both wait.
		"statemachines/parent.asl.json": `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"${ChildStateMachineArn}"},"End":true}}}`,
		"statemachines/child.asl.json":  `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${StepFunctionArn}","End":true}}}`,
		"statemachines/ready.asl.json":  `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${ApprovalFunctionArn}","End":true}}}`,
	})
	src, err := LoadSources(root)
	if err != nil {
		t.Fatal(err)
	}
	var ready []string
	for _, m := range src.StateMachines {
		ready = append(ready, m.Name)
	}
	if !slices.Equal(ready, []string{"ready"}) {
		t.Errorf("deployable = %v, want [ready]", ready)
	}
	pending := map[string][]string{}
	for _, p := range src.Pending {
		pending[p.Name] = p.Missing
	}
	want := map[string][]string{"child": {"functions/step"}, "parent": {"statemachines/child"}}
	for name, miss := range want {
		if !slices.Equal(pending[name], miss) {
			t.Errorf("pending[%s] = %v, want %v", name, pending[name], miss)
		}
	}
	if len(pending) != len(want) {
		t.Errorf("pending = %v, want %v", pending, want)
	}
}

func TestCheckBinaries(t *testing.T) {
	bin := writeTree(t, map[string]string{"trigger/bootstrap": "x"})
	if err := os.MkdirAll(filepath.Join(bin, "api", "bootstrap"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := CheckBinaries(bin, []Function{{Name: "trigger"}, {Name: "slack"}, {Name: "api"}})
	if err == nil {
		t.Fatal("CheckBinaries succeeded, want errors for slack and api")
	}
	for _, w := range []string{"functions/slack: no prebuilt binary", "functions/api: " + filepath.Join(bin, "api", "bootstrap") + " is a directory"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "functions/trigger") {
		t.Errorf("error %q names trigger, whose binary exists", err)
	}
}

// TestFunctionsHaveSettings keeps the settings table and functions/ in
// step: every function in the repository has an entry (LoadSources refuses
// otherwise), and every entry's settings are sane.
func TestFunctionsHaveSettings(t *testing.T) {
	dirs, err := filepath.Glob("../../functions/*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		name := filepath.Base(filepath.Dir(d))
		if _, ok := FunctionSettingsFor(name); !ok {
			t.Errorf("functions/%s has no entry in functionSettings (infra/controlplane/settings.go)", name)
		}
	}
	for _, name := range FunctionNames() {
		s, _ := FunctionSettingsFor(name)
		if s.Description == "" {
			t.Errorf("%s: no description", name)
		}
		if s.MemoryMiB < 128 || s.MemoryMiB > 10240 {
			t.Errorf("%s: memory %d MiB outside Lambda's 128–10240", name, s.MemoryMiB)
		}
		if s.Timeout < time.Second || s.Timeout > 15*time.Minute {
			t.Errorf("%s: timeout %s outside Lambda's 1 s–15 min", name, s.Timeout)
		}
		for _, sm := range append(slices.Clone(s.Access.StartExecutions), s.Access.TaskResponses...) {
			if !nameRE.MatchString(sm) {
				t.Errorf("%s: state machine name %q is not a statemachines/ base name", name, sm)
			}
		}
	}
	for rule, target := range ruleTargets {
		for _, fn := range target.Functions {
			if _, ok := functionSettings[fn]; !ok {
				t.Errorf("rule %s targets unknown function %q", rule, fn)
			}
		}
	}
	for sc, fns := range scheduleTargets {
		if len(fns) == 0 {
			t.Errorf("schedule %s targets no function", sc)
		}
		for _, fn := range fns {
			if _, ok := functionSettings[fn]; !ok {
				t.Errorf("schedule %s targets unknown function %q", sc, fn)
			}
		}
	}
}

// TestSubstitutionsFile keeps statemachines/substitutions.json (read by the
// local runtime and the static checks) equal to what the app provides.
// Refresh it with: go test ./infra/controlplane -run TestSubstitutionsFile -args -update
func TestSubstitutionsFile(t *testing.T) {
	src, err := LoadSources("../..")
	if err != nil {
		t.Fatal(err)
	}
	want := src.ProvidedSubstitutions()
	const path = "../../statemachines/substitutions.json"
	if *update {
		data, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it: go test ./infra/controlplane -run TestSubstitutionsFile -args -update)", err)
	}
	var got []string
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v\nwant %v\n(refresh: go test ./infra/controlplane -run TestSubstitutionsFile -args -update)", path, got, want)
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ in, fn, sm string }{
		{"execute-plan", "ExecutePlanFunctionArn", "ExecutePlanStateMachineArn"},
		{"aurora-global", "AuroraGlobalFunctionArn", "AuroraGlobalStateMachineArn"},
		{"api", "ApiFunctionArn", "ApiStateMachineArn"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := FunctionArnSubstitution(tc.in); got != tc.fn {
				t.Errorf("FunctionArnSubstitution = %s, want %s", got, tc.fn)
			}
			if got := StateMachineArnSubstitution(tc.in); got != tc.sm {
				t.Errorf("StateMachineArnSubstitution = %s, want %s", got, tc.sm)
			}
		})
	}
}
