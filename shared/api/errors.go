package api

import (
	"errors"
	"fmt"
)

// ErrNotFound means an execution, plan or approval does not exist.
var ErrNotFound = errors.New("not found")

// ConflictError is a refused state change: 409.
type ConflictError struct {
	// Code is stable (already_running, not_pending, finished, …).
	Code string
	// Message says what and why.
	Message string
	// Execution names the execution in the way, if any.
	Execution string
}

// Error returns the message.
func (e *ConflictError) Error() string { return e.Message }

// InputError is bad input: 400, naming the field.
type InputError struct {
	// Field is the JSON field path ("" for the body as a whole).
	Field string
	// Code is stable (required, invalid, unknown_plan, …).
	Code string
	// Message says what is wrong and what is allowed.
	Message string
}

// Error names the field.
func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

func invalid(field, code, format string, args ...any) *InputError {
	return &InputError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}
