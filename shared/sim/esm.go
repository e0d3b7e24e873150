package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// ESMSpec describes a Lambda event source mapping.
type ESMSpec struct {
	// Region the mapping (and its function) lives in.
	Region string
	// UUID identifies the mapping, as Lambda does.
	UUID string
	// FunctionARN is the function the mapping invokes
	// (arn:aws:lambda:REGION:ACCOUNT:function:NAME, in Region).
	FunctionARN string
	// EventSourceARN is the queue or stream read (optional).
	EventSourceARN string
	// Enabled is the initial state: Enabled, else Disabled.
	Enabled bool
}

// eventSourceMapping is derived lazily: after an update it reports the
// transitional state (Enabling, Disabling) until ESMTransition has passed.
type eventSourceMapping struct {
	spec     ESMSpec
	enabled  bool      // the state asked for last
	changeAt time.Time // when it was asked (zero: never changed)
	modified time.Time
}

func (m *eventSourceMapping) state(now time.Time, d time.Duration) string {
	changing := !m.changeAt.IsZero() && now.Before(m.changeAt.Add(d))
	switch {
	case m.enabled && changing:
		return "Enabling"
	case m.enabled:
		return "Enabled"
	case changing:
		return "Disabling"
	}
	return "Disabled"
}

func (w *World) esmARN(m *eventSourceMapping) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:event-source-mapping:%s", m.spec.Region, w.account, m.spec.UUID)
}

// AddEventSourceMapping adds a Lambda event source mapping. The function
// need not be registered with AddFunction: the mapping's state is what the
// simulator models, not its polling.
func (w *World) AddEventSourceMapping(spec ESMSpec) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(spec.Region); err != nil {
			return fmt.Errorf("event source mapping %s: %w", spec.UUID, err)
		}
		if spec.UUID == "" || strings.ContainsAny(spec.UUID, ":/ ") {
			return fmt.Errorf("event source mapping in %s: UUID %q is empty or not a UUID", spec.Region, spec.UUID)
		}
		parts := strings.Split(spec.FunctionARN, ":")
		if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" || parts[3] != spec.Region {
			return fmt.Errorf("event source mapping %s: FunctionARN %q: want arn:aws:lambda:%s:ACCOUNT:function:NAME", spec.UUID, spec.FunctionARN, spec.Region)
		}
		if _, ok := w.esms[spec.UUID]; ok {
			return fmt.Errorf("event source mapping %s: %w", spec.UUID, ErrDuplicate)
		}
		w.esms[spec.UUID] = &eventSourceMapping{spec: spec, enabled: spec.Enabled, modified: now}
		return nil
	})
}

// EventSourceMappingState reports a mapping's State as Lambda would
// (Enabled, Enabling, Disabled, Disabling), without a call.
func (w *World) EventSourceMappingState(uuid string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m, ok := w.esms[uuid]
	if !ok {
		return "", fmt.Errorf("event source mapping %q not found (have %v)", uuid, sortedKeys(w.esms))
	}
	return m.state(w.clk.Now(), w.d.ESMTransition), nil
}

// findESM returns the mapping with in's UUID in c's Region.
func (c *LambdaClient) findESM(uuid *string) (*eventSourceMapping, error) {
	m, ok := c.w.esms[aws.ToString(uuid)]
	if !ok || m.spec.Region != c.region {
		return nil, &lambdatypes.ResourceNotFoundException{Type: aws.String("User"),
			Message: aws.String("The resource you requested does not exist.")}
	}
	return m, nil
}

// GetEventSourceMapping describes a mapping (a control-plane call).
func (c *LambdaClient) GetEventSourceMapping(ctx context.Context, in *lambda.GetEventSourceMappingInput, _ ...func(*lambda.Options)) (*lambda.GetEventSourceMappingOutput, error) {
	if in == nil {
		in = &lambda.GetEventSourceMappingInput{}
	}
	out := &lambda.GetEventSourceMappingOutput{}
	err := c.w.do(ctx, svcLambda, "GetEventSourceMapping", c.region, func(now time.Time) error {
		m, err := c.findESM(in.UUID)
		if err != nil {
			return err
		}
		out.UUID, out.FunctionArn, out.EventSourceMappingArn = aws.String(m.spec.UUID), aws.String(m.spec.FunctionARN), aws.String(c.w.esmARN(m))
		if m.spec.EventSourceARN != "" {
			out.EventSourceArn = aws.String(m.spec.EventSourceARN)
		}
		out.State, out.StateTransitionReason = aws.String(m.state(now, c.w.d.ESMTransition)), aws.String("USER_INITIATED")
		out.LastModified = aws.Time(m.modified)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateEventSourceMapping changes a mapping's Enabled flag (other fields
// are accepted and ignored). A mapping still Enabling or Disabling answers
// ResourceInUseException, as Lambda does; asking for the state it is
// already in changes nothing.
func (c *LambdaClient) UpdateEventSourceMapping(ctx context.Context, in *lambda.UpdateEventSourceMappingInput, _ ...func(*lambda.Options)) (*lambda.UpdateEventSourceMappingOutput, error) {
	if in == nil {
		in = &lambda.UpdateEventSourceMappingInput{}
	}
	out := &lambda.UpdateEventSourceMappingOutput{}
	err := c.w.do(ctx, svcLambda, "UpdateEventSourceMapping", c.region, func(now time.Time) error {
		m, err := c.findESM(in.UUID)
		if err != nil {
			return err
		}
		st := m.state(now, c.w.d.ESMTransition)
		if in.Enabled != nil && *in.Enabled != m.enabled {
			if st == "Enabling" || st == "Disabling" {
				return &lambdatypes.ResourceInUseException{Type: aws.String("User"),
					Message: aws.String(fmt.Sprintf("Cannot update the event source mapping %s while it is in state %s; try again later.", m.spec.UUID, st))}
			}
			m.enabled, m.changeAt, m.modified = *in.Enabled, now, now
			st = m.state(now, c.w.d.ESMTransition)
			c.w.log.Debug("sim event source mapping", "uuid", m.spec.UUID, "region", c.region, "state", st)
		}
		out.UUID, out.FunctionArn, out.EventSourceMappingArn = aws.String(m.spec.UUID), aws.String(m.spec.FunctionARN), aws.String(c.w.esmARN(m))
		if m.spec.EventSourceARN != "" {
			out.EventSourceArn = aws.String(m.spec.EventSourceARN)
		}
		out.State, out.StateTransitionReason = aws.String(st), aws.String("USER_INITIATED")
		out.LastModified = aws.Time(m.modified)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
