package asl

import (
	"errors"
	"fmt"
)

// Well-known error names of the Amazon States Language.
const (
	ErrNameAll                   = "States.ALL"
	ErrNameTaskFailed            = "States.TaskFailed"
	ErrNameTimeout               = "States.Timeout"
	ErrNameHeartbeatTimeout      = "States.HeartbeatTimeout"
	ErrNameRuntime               = "States.Runtime"
	ErrNameResultPathMatch       = "States.ResultPathMatchFailure"
	ErrNameParameterPathFailure  = "States.ParameterPathFailure"
	ErrNameBranchFailed          = "States.BranchFailed"
	ErrNameNoChoiceMatched       = "States.NoChoiceMatched"
	ErrNameIntrinsicFailure      = "States.IntrinsicFailure"
	ErrNameDataLimitExceeded     = "States.DataLimitExceeded"
	ErrNamePermissions           = "States.Permissions"
	ErrNameExceedToleratedFailur = "States.ExceedToleratedFailureThreshold"
)

// StatesError is a failure inside an execution: the Error/Cause pair that
// Retry and Catch match and that ends up in the execution's history.
type StatesError struct {
	Name  string // the error name matched by ErrorEquals
	Cause string
}

func (e *StatesError) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

func statesErr(name, format string, a ...any) *StatesError {
	return &StatesError{Name: name, Cause: fmt.Sprintf(format, a...)}
}

// terminal reports errors that neither Retry nor Catch handle: States.ALL
// does not match them and, per the developer guide, they always fail the
// execution.
func terminal(name string) bool {
	return name == ErrNameRuntime || name == ErrNameDataLimitExceeded
}

// asStatesError converts any error into a StatesError.
func asStatesError(err error) *StatesError {
	var se *StatesError
	if errors.As(err, &se) {
		return se
	}
	return &StatesError{Name: ErrNameRuntime, Cause: err.Error()}
}

// DefinitionError is a problem found while parsing or validating a
// definition. Path locates it (e.g. `States.Approve.Retry[1].ErrorEquals`).
type DefinitionError struct {
	Path string
	Msg  string
}

func (e *DefinitionError) Error() string {
	if e.Path == "" {
		return "invalid definition: " + e.Msg
	}
	return fmt.Sprintf("invalid definition at %s: %s", e.Path, e.Msg)
}
