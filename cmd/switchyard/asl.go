package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/asl"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

func newASLCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "asl",
		Short: "Run Step Functions definitions on the local engine",
		Long: `asl runs Amazon States Language definitions (statemachines/*.asl.json,
JSONPath query language) on Switchyard's local Step Functions engine, on a
virtual clock: Wait states, retries and timeouts take no wall time.`,
	}
	cmd.AddCommand(newASLRunCmd(s))
	return cmd
}

// aslRunResult is the --json output of asl run; its shape is a contract
// other tools rely on.
type aslRunResult struct {
	Status           string          `json:"status"`
	Output           json.RawMessage `json:"output"`
	Error            *string         `json:"error"`
	Cause            *string         `json:"cause"`
	HistoryEvents    int             `json:"historyEvents"`
	StateTransitions int             `json:"stateTransitions"`
}

func newASLRunCmd(s streams) *cobra.Command {
	var (
		input, mockFile, testCase, name string
		asJSON                          bool
	)
	cmd := &cobra.Command{
		Use:   "run DEFINITION",
		Short: "Execute a definition once and print its output",
		Long: `run executes DEFINITION once. The state machine is named after the file
(base name without .asl.json) unless --name is given; mocks are looked up
under that name.

--mock-config takes a Step Functions Local mock configuration file
(StateMachines → name → TestCases → case → state → response;
MockedResponses → response → "0" / "1-2" → Return or Throw) and --test-case
picks the case. Mocked Task states do not call their resource. Lambda tasks
that are not mocked fail with Lambda.ResourceNotFoundException, and
.waitForTaskToken tasks that are not mocked fail with States.Runtime, since
nothing can call back in a one-shot run.

Without --json it prints the execution output (JSON) on success, and the
error and cause on stderr otherwise. With --json it prints one object:
  {"status": "SUCCEEDED"|"FAILED"|"TIMED_OUT"|"ABORTED", "output": …,
   "error": …, "cause": …, "historyEvents": N, "stateTransitions": N}

Exit status: 0 when the execution succeeded, 1 when it did not, 2 on a usage
error or an invalid definition, input or mock file.`,
		Example: `  switchyard asl run statemachines/execute-plan.asl.json --input '{"plan":"payments"}'
  switchyard asl run flow.asl.json --input @input.json --mock-config mocks.json --test-case HappyPath --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runASL(cmd, s, args[0], input, mockFile, testCase, name, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&input, "input", "{}", "execution input: a JSON text, or @FILE to read it from a file")
	f.StringVar(&mockFile, "mock-config", "", "Step Functions Local mock configuration `FILE` (needs --test-case)")
	f.StringVar(&testCase, "test-case", "", "test case `NAME` in the mock configuration")
	f.StringVar(&name, "name", "", "state machine `NAME` (default: the file name without .asl.json)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object with status, output, error, cause and counters")
	return cmd
}

func machineName(file string) string {
	base := filepath.Base(file)
	for _, ext := range []string{".asl.json", ".json"} {
		if strings.HasSuffix(base, ext) {
			return strings.TrimSuffix(base, ext)
		}
	}
	return base
}

func runASL(cmd *cobra.Command, s streams, file, input, mockFile, testCase, name string, asJSON bool) error {
	ctx := cmd.Context()
	src, err := os.ReadFile(file)
	if err != nil {
		return exitCode(2, fmt.Errorf("asl run: reading definition: %w", err))
	}
	def, err := asl.ParseDefinition(src)
	if err != nil {
		return exitCode(2, fmt.Errorf("asl run: %s: %w", file, err))
	}
	if name == "" {
		name = machineName(file)
	}
	if strings.HasPrefix(input, "@") {
		b, err := os.ReadFile(input[1:])
		if err != nil {
			return exitCode(2, fmt.Errorf("asl run: reading --input: %w", err))
		}
		input = string(b)
	}
	if !json.Valid([]byte(input)) {
		return exitCode(2, fmt.Errorf("asl run: --input is not valid JSON (give a JSON text or @FILE)"))
	}
	if (mockFile == "") != (testCase == "") {
		return exitCode(2, errors.New("asl run: --mock-config and --test-case go together"))
	}
	clk := clock.NewVirtual(time.Now().UTC().Truncate(time.Millisecond))
	opts := []asl.Option{asl.WithClock(clk), asl.WithoutCallbacks()}
	if mockFile != "" {
		b, err := os.ReadFile(mockFile)
		if err != nil {
			return exitCode(2, fmt.Errorf("asl run: reading --mock-config: %w", err))
		}
		mocks, err := asl.ParseMockConfig(b)
		if err != nil {
			return exitCode(2, fmt.Errorf("asl run: %s: %w", mockFile, err))
		}
		if !mocks.HasTestCase(name, testCase) {
			return exitCode(2, fmt.Errorf("asl run: %s has no test case %q for state machine %q (StateMachines.%s.TestCases.%s)", mockFile, testCase, name, name, testCase))
		}
		opts = append(opts, asl.WithMocks(mocks, testCase))
	}
	e := asl.New(opts...)
	arn, err := e.Register(name, def)
	if err != nil {
		return exitCode(2, fmt.Errorf("asl run: %w", err))
	}
	start, err := e.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: &input})
	if err != nil {
		return exitCode(2, fmt.Errorf("asl run: %w", err))
	}
	d, err := e.WaitExecution(ctx, *start.ExecutionArn)
	if err != nil {
		return exitCode(1, fmt.Errorf("asl run: %w", err))
	}
	stats, err := e.Stats(*start.ExecutionArn)
	if err != nil {
		return exitCode(1, fmt.Errorf("asl run: %w", err))
	}
	ok := d.Status == types.ExecutionStatusSucceeded
	if asJSON {
		res := aslRunResult{Status: string(d.Status), Output: json.RawMessage("null"), Error: d.Error, Cause: d.Cause,
			HistoryEvents: stats.HistoryEvents, StateTransitions: stats.StateTransitions}
		if d.Output != nil {
			res.Output = json.RawMessage(*d.Output)
		}
		enc := json.NewEncoder(s.out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			return exitCode(1, fmt.Errorf("asl run: %w", err))
		}
	} else if ok {
		fmt.Fprintln(s.out, *d.Output)
	}
	if ok {
		return nil
	}
	msg := fmt.Sprintf("asl run: execution %s", d.Status)
	if d.Error != nil {
		msg += ": " + *d.Error
	}
	if d.Cause != nil {
		msg += ": " + *d.Cause
	}
	if asJSON {
		return exitCode(1, errors.New(""))
	}
	return exitCode(1, errors.New(msg))
}
