package errclass

import (
	"errors"
	"fmt"
	"strings"
)

// Retryable is a transient failure: throttling, a 5xx from AWS, a timeout
// talking to an endpoint. Step Functions retries it with backoff.
type Retryable struct {
	Op  string // what was being done, e.g. "describing global cluster payments"
	Err error
}

func (e *Retryable) Error() string { return joinOp(e.Op, e.Err) }
func (e *Retryable) Unwrap() error { return e.Err }

// Terminal is a failure that retrying will not fix: access denied, a resource
// that does not exist, a validation error from AWS.
type Terminal struct {
	Op  string
	Err error
}

func (e *Terminal) Error() string { return joinOp(e.Op, e.Err) }
func (e *Terminal) Unwrap() error { return e.Err }

// InvalidInput is bad input to an execution or a handler. Field is the JSON
// path of the offending field; Message says what is allowed.
type InvalidInput struct {
	Field   string
	Message string
}

func (e *InvalidInput) Error() string {
	if e.Field == "" {
		return "invalid input: " + e.Message
	}
	return fmt.Sprintf("invalid input: %s: %s", e.Field, e.Message)
}

// PlanNotFound means no plan of that name (or version) is deployed here.
type PlanNotFound struct {
	Plan    string
	Version string // empty: any version
	Known   []string
}

func (e *PlanNotFound) Error() string {
	msg := fmt.Sprintf("plan %q is not deployed in this Region", e.Plan)
	if e.Version != "" {
		msg = fmt.Sprintf("plan %q version %s is not deployed in this Region", e.Plan, e.Version)
	}
	if len(e.Known) > 0 {
		msg += " (deployed: " + strings.Join(e.Known, ", ") + ")"
	}
	return msg
}

// LockHeld means another execution holds the plan's lock.
type LockHeld struct {
	Plan   string
	Holder string // the execution holding the lock
}

func (e *LockHeld) Error() string {
	return fmt.Sprintf("plan %s is already running: %s", e.Plan, e.Holder)
}

// LockLost means the caller's lease was taken over (its fencing epoch is
// stale): it must stop acting on the plan's resources.
type LockLost struct {
	Plan  string
	Epoch int64
}

func (e *LockLost) Error() string {
	return fmt.Sprintf("lock on plan %s lost: epoch %d is no longer current", e.Plan, e.Epoch)
}

// NotReady means the target Region failed a readiness check that gates the
// action.
type NotReady struct {
	Plan     string
	Target   string
	Findings []string
}

func (e *NotReady) Error() string {
	msg := fmt.Sprintf("plan %s: target %s is not ready", e.Plan, e.Target)
	if len(e.Findings) > 0 {
		msg += ": " + strings.Join(e.Findings, "; ")
	}
	return msg
}

// Conflict means the resource is in a state that forbids the action now, for
// example a global cluster already switching over at someone else's request.
type Conflict struct {
	Resource string
	Message  string
}

func (e *Conflict) Error() string { return fmt.Sprintf("%s: %s", e.Resource, e.Message) }

// StepTimedOut means a step did not complete within its timeout.
type StepTimedOut struct {
	Step    string
	Timeout string
}

func (e *StepTimedOut) Error() string {
	return fmt.Sprintf("step %s did not complete within %s", e.Step, e.Timeout)
}

// Rejected means a person rejected an approval, or chose to abort at an
// operator decision.
type Rejected struct {
	By     string
	Reason string
}

func (e *Rejected) Error() string {
	if e.Reason == "" {
		return "rejected by " + e.By
	}
	return fmt.Sprintf("rejected by %s: %s", e.By, e.Reason)
}

// Refused means a step will not run as asked, for example a step whose
// ungraceful behaviour is "refuse" in an execution running ungracefully: the
// runner pauses for an operator decision instead of retrying.
type Refused struct {
	Step   string
	Reason string
}

func (e *Refused) Error() string { return fmt.Sprintf("step %s refused: %s", e.Step, e.Reason) }

func joinOp(op string, err error) string {
	switch {
	case op == "" && err == nil:
		return "unknown error"
	case op == "":
		return err.Error()
	case err == nil:
		return op
	}
	return op + ": " + err.Error()
}

// Names lists the Step Functions error names of every class, for the static
// check of ErrorEquals lists.
func Names() []string {
	return []string{
		"Retryable", "Terminal", "InvalidInput", "PlanNotFound", "LockHeld",
		"LockLost", "NotReady", "Conflict", "StepTimedOut", "Rejected", "Refused",
	}
}

// Boundary prepares err for return to the Lambda runtime: it finds the
// outermost error class in err's chain and returns it unwrapped, so Step
// Functions sees the class name. Retryable and Terminal keep the whole chain's
// message as their Op, since their own text is generic. An error with no class
// becomes Terminal, so nothing surfaces as an anonymous "wrapError". nil stays
// nil.
func Boundary(err error) error {
	if err == nil {
		return nil
	}
	c := outermostClass(err)
	switch c := c.(type) {
	case nil:
		return &Terminal{Op: err.Error()}
	case *Retryable:
		return &Retryable{Op: err.Error()}
	case *Terminal:
		return &Terminal{Op: err.Error()}
	default:
		return c
	}
}

// outermostClass walks err's chain depth first, outermost first, and returns
// the first error class it meets, or nil.
func outermostClass(err error) error {
	for err != nil {
		switch err.(type) {
		case *Retryable, *Terminal, *InvalidInput, *PlanNotFound, *LockHeld,
			*LockLost, *NotReady, *Conflict, *StepTimedOut, *Rejected, *Refused:
			return err
		}
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range multi.Unwrap() {
				if c := outermostClass(e); c != nil {
					return c
				}
			}
			return nil
		}
		err = errors.Unwrap(err)
	}
	return nil
}
