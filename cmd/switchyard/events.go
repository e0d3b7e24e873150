package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the events command's implementation.
func newEventsCmd(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "events",
		Short: "(not built yet)",
		RunE: func(*cobra.Command, []string) error {
			return exitCode(2, errors.New("events: not built yet"))
		},
	}
}
