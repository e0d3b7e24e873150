package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the asl command's implementation.
func newASLCmd(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "asl",
		Short: "(not built yet)",
		RunE: func(*cobra.Command, []string) error {
			return exitCode(2, errors.New("asl: not built yet"))
		},
	}
}
