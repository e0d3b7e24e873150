package static

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/errclass"
)

// statesErrors are the error names Step Functions itself raises.
var statesErrors = []string{
	"States.ALL", "States.DataLimitExceeded", "States.ExceedToleratedFailureThreshold",
	"States.HeartbeatTimeout", "States.Http.Socket", "States.IntrinsicFailure",
	"States.ItemReaderFailed", "States.NoChoiceMatched", "States.ParameterPathFailure",
	"States.Permissions", "States.ResultPathMatchFailure", "States.ResultWriterFailed",
	"States.Runtime", "States.TaskFailed", "States.Timeout", "States.BranchFailed",
	"States.QueryEvaluationError",
}

// lambdaServiceErrors are the errors the Lambda service (not our code)
// raises on invoke, which the definitions retry.
var lambdaServiceErrors = []string{
	"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
	"Lambda.TooManyRequestsException", "Lambda.Unknown",
}

// errorNames walks a definition and returns every ErrorEquals name and
// every Fail state's static Error, each with where it was found.
func errorNames(raw []byte) (matched map[string][]string, failErrors []string, err error) {
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, nil, err
	}
	matched = map[string][]string{}
	var walk func(v any, where string)
	walk = func(v any, where string) {
		switch v := v.(type) {
		case map[string]any:
			if v["Type"] == "Fail" {
				if e, ok := v["Error"].(string); ok {
					failErrors = append(failErrors, e)
				}
			}
			for k, child := range v {
				if k == "ErrorEquals" {
					list, _ := child.([]any)
					for _, n := range list {
						if s, ok := n.(string); ok {
							matched[s] = append(matched[s], where)
						}
					}
					continue
				}
				walk(child, where+"/"+k)
			}
		case []any:
			for i, child := range v {
				walk(child, fmt.Sprintf("%s[%d]", where, i))
			}
		}
	}
	walk(doc, "")
	return matched, failErrors, nil
}

// TestErrorEqualsNamesAreProduced checks that every error a Retry or Catch in
// statemachines/ waits for can actually happen: a Step Functions error, a
// Lambda service error, an error class of shared/errclass (whose Go type
// names aws-lambda-go reports), or the Error of a Fail state in one of our
// definitions (child executions propagate them).
func TestErrorEqualsNamesAreProduced(t *testing.T) {
	defs := productDefinitions(t)
	if len(defs) == 0 {
		t.Fatal("no statemachines/*.asl.json found")
	}
	produced := map[string]bool{}
	for _, n := range slices.Concat(statesErrors, lambdaServiceErrors, errclass.Names()) {
		produced[n] = true
	}
	all := map[string][]string{}
	for _, d := range defs {
		matched, fails, err := errorNames(d.raw)
		if err != nil {
			t.Fatalf("%s: %v", d.path, err)
		}
		for _, f := range fails {
			produced[f] = true
		}
		for n, where := range matched {
			for _, w := range where {
				all[n] = append(all[n], d.path+":"+w)
			}
		}
	}
	if len(all) == 0 {
		t.Fatal("no ErrorEquals in statemachines/: the check would prove nothing")
	}
	var bad []string
	for n, where := range all {
		if !produced[n] {
			bad = append(bad, fmt.Sprintf("%q (at %s)", n, strings.Join(where, ", ")))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("ErrorEquals names that nothing produces (add an errclass type or fix the name):\n  %s", strings.Join(bad, "\n  "))
	}
}

func TestErrorNamesCatchesTypos(t *testing.T) {
	def := []byte(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"x","Retry":[{"ErrorEquals":["Retryabel"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"End":true},"F":{"Type":"Fail","Error":"Custom"}}}`)
	matched, fails, err := errorNames(def)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := matched["Retryabel"]; !ok {
		t.Errorf("typo not collected: %v", matched)
	}
	if !slices.Contains(fails, "Custom") {
		t.Errorf("Fail error not collected: %v", fails)
	}
}
