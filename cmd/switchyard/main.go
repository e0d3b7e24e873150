// Command switchyard validates, drills and operates multi-Region recovery
// plans. See README.md for the tour; `switchyard --help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code out of a command. Commands print their
// own messages; main only turns the error into the code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode wraps err so that main exits with code. A nil err stays nil.
func exitCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// streams are the command's standard output and error, injected so tests can
// run commands in process.
type streams struct {
	out io.Writer
	err io.Writer
}

func newRootCmd(s streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "switchyard",
		Short: "Multi-Region recovery orchestrator for AWS",
		Long: `switchyard validates recovery plans, drills them on a simulated two-Region
AWS, and starts, watches and steers recovery executions.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.AddCommand(
		newVersionCmd(s),
		newPlanCmd(s),
		newASLCmd(s),
		newEventsCmd(s),
		newReadinessCmd(s),
		newCostCmd(s),
		newDrillCmd(s),
		newDevCmd(s),
	)
	root.AddCommand(newClientCmds(s)...)
	return root
}

// run executes the CLI with args and returns the process exit code.
func run(ctx context.Context, args []string, s streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(s.err, "switchyard:", ee.err)
		}
		return ee.code
	}
	// Cobra's own usage errors (unknown command, bad flag) land here.
	fmt.Fprintln(s.err, "switchyard:", err)
	return 2
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], streams{out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}
