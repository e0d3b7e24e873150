package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/events"
	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/eventbus"
)

func newEventsCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Work with EventBridge events and Switchyard's rule patterns",
		Long: `Work with EventBridge events and the rule patterns in events/rules, which the
CDK app deploys and the local event bus evaluates with EventBridge semantics.`,
	}
	cmd.AddCommand(newEventsMatchCmd(s))
	return cmd
}

// eventsMatchOutput is the --json form of "events match".
type eventsMatchOutput struct {
	Event      string   `json:"event"`
	ID         string   `json:"id"`
	Source     string   `json:"source"`
	DetailType string   `json:"detailType"`
	Rules      []string `json:"rules"`
}

func newEventsMatchCmd(s streams) *cobra.Command {
	var rulesDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "match EVENT.json",
		Short: "Print the rules an event matches",
		Long: `Match one EventBridge event (a JSON file, or - for standard input) against the
rule patterns and print the names of the matching rules, one per line,
sorted. A rule's name is its file's base name. Without --rules, the rules are
those of events/rules built into this binary.

Exit status: 0 when at least one rule matches, 1 when none does ("no rule
matches"), 2 when the event or the rules cannot be read.`,
		Example: `  switchyard events match events/samples/alarm-payments-api-5xx-ok-to-alarm.json
  switchyard events match --json --rules ./my-rules event.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			data, err := readEventsFile(cmd.InOrStdin(), name)
			if err != nil {
				return exitCode(2, err)
			}
			ev, err := awsevent.DecodeEnvelope(data)
			if err != nil {
				return exitCode(2, fmt.Errorf("%s: %w", name, err))
			}
			var rules []eventbus.Rule
			if rulesDir == "" {
				rules, err = eventbus.LoadRulesFS(events.FS, "rules")
			} else {
				rules, err = eventbus.LoadRules(rulesDir)
			}
			if err != nil {
				return exitCode(2, err)
			}
			m, err := eventbus.NewMatcher(rules)
			if err != nil {
				return exitCode(2, err)
			}
			matched, err := m.Match(data)
			if err != nil {
				return exitCode(2, fmt.Errorf("%s: %w", name, err))
			}
			if asJSON {
				out := eventsMatchOutput{Event: name, ID: ev.ID, Source: ev.Source, DetailType: ev.DetailType, Rules: matched}
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return exitCode(2, err)
				}
			} else {
				for _, r := range matched {
					fmt.Fprintln(s.out, r)
				}
				if len(matched) == 0 {
					fmt.Fprintln(s.out, "no rule matches")
				}
			}
			if len(matched) == 0 {
				return exitCode(1, errEventsSilent)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&rulesDir, "rules", "", "directory of rule patterns (*.json) (default: the built-in events/rules)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"event", "id", "source", "detailType", "rules"} as JSON`)
	return cmd
}

// errEventsSilent sets an exit code without a message: the command has already
// said everything.
var errEventsSilent = errors.New("")

// readEventsFile reads name, or standard input for "-".
func readEventsFile(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading the event from standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading the event: %w", err)
	}
	return data, nil
}
