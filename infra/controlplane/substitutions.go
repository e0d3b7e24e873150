package controlplane

import (
	"sort"
	"strings"
)

// Definition substitutions every stack provides, whatever exists in the
// repository. Per-function and per-state-machine names are built by
// FunctionArnSubstitution and StateMachineArnSubstitution.
const (
	SubstTableName            = "TableName"
	SubstTableArn             = "TableArn"
	SubstEventBusName         = "EventBusName"
	SubstEventBusArn          = "EventBusArn"
	SubstPlanExecutionRoleArn = "PlanExecutionRoleArn"
)

var fixedSubstitutions = []string{
	SubstTableName, SubstTableArn, SubstEventBusName, SubstEventBusArn, SubstPlanExecutionRoleArn,
}

// FunctionArnSubstitution is the ${Name} that a definition uses for the ARN
// of functions/<function>: "aurora-global" → "AuroraGlobalFunctionArn".
func FunctionArnSubstitution(function string) string { return pascal(function) + "FunctionArn" }

// StateMachineArnSubstitution is the ${Name} for the ARN of
// statemachines/<name>.asl.json: "execute-plan" → "ExecutePlanStateMachineArn".
func StateMachineArnSubstitution(name string) string { return pascal(name) + "StateMachineArn" }

// ProvidedSubstitutions lists, sorted, every ${Name} the app provides for
// these sources: the fixed names, one per function in the settings table
// (whether or not it has landed; a definition using a missing one is
// pending), and one per state machine file present.
func (s *Sources) ProvidedSubstitutions() []string {
	names := append([]string(nil), fixedSubstitutions...)
	for _, f := range FunctionNames() {
		names = append(names, FunctionArnSubstitution(f))
	}
	for _, m := range s.all {
		names = append(names, StateMachineArnSubstitution(m.Name))
	}
	sort.Strings(names)
	return names
}

// functionForSubstitution maps a ${XFunctionArn} name back to its function.
func functionForSubstitution(name string) (string, bool) {
	for _, f := range FunctionNames() {
		if FunctionArnSubstitution(f) == name {
			return f, true
		}
	}
	return "", false
}

// stateMachineForSubstitution maps a ${XStateMachineArn} name back to a
// state machine of s (deployable or pending).
func (s *Sources) stateMachineForSubstitution(name string) (string, bool) {
	for _, m := range s.all {
		if StateMachineArnSubstitution(m.Name) == name {
			return m.Name, true
		}
	}
	return "", false
}

// pascal turns "execute-plan" into "ExecutePlan".
func pascal(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
