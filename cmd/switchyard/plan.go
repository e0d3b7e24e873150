package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the plan command's implementation.
func newPlanCmd(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "plan",
		Short: "(not built yet)",
		RunE: func(*cobra.Command, []string) error {
			return exitCode(2, errors.New("plan: not built yet"))
		},
	}
}
