package awsevent

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Parser decodes one raw event of a known kind into its typed form (a
// pointer such as *AlarmStateChange).
type Parser func(data []byte) (any, error)

// ParserFor returns a Parser that decodes into Event[D].
func ParserFor[D any]() Parser {
	return func(data []byte) (any, error) {
		ev := new(Event[D])
		if err := json.Unmarshal(data, ev); err != nil {
			return nil, err
		}
		return ev, nil
	}
}

// UnknownEventError reports an event whose source and detail-type no parser
// is registered for.
type UnknownEventError struct {
	Key Key
}

// Error names the unregistered source and detail-type.
func (e *UnknownEventError) Error() string {
	return fmt.Sprintf("no parser for source %q, detail-type %q", e.Key.Source, e.Key.DetailType)
}

// Registry maps source/detail-type to parsers. The zero value is empty;
// NewRegistry returns one with every kind Switchyard knows. A Registry is
// safe for concurrent Parse calls once registration is done.
type Registry struct {
	parsers map[Key]Parser
}

// NewRegistry returns a registry of every event type in this package.
func NewRegistry() *Registry {
	r := &Registry{}
	for k, p := range map[Key]Parser{
		{SourceCloudWatch, DetailTypeAlarmStateChange}:      ParserFor[AlarmStateChangeDetail](),
		{SourceRDS, DetailTypeRDSClusterEvent}:              ParserFor[RDSEventDetail](),
		{SourceEvents, DetailTypeScheduledEvent}:            ParserFor[ScheduledEventDetail](),
		{SourceSwitchyard, DetailTypeExecutionStatusChange}: ParserFor[ExecutionStatusChangeDetail](),
		{SourceSwitchyard, DetailTypeStepStatusChange}:      ParserFor[StepStatusChangeDetail](),
		{SourceSwitchyard, DetailTypeReadinessChanged}:      ParserFor[ReadinessChangedDetail](),
		{SourceSwitchyard, DetailTypeTriggerDecision}:       ParserFor[TriggerDecisionDetail](),
		{SourceSwitchyard, DetailTypeApprovalRequested}:     ParserFor[ApprovalRequestedDetail](),
	} {
		// Cannot fail: the keys above are distinct and non-empty.
		_ = r.Register(k, p)
	}
	return r
}

// Register adds a parser for key. It refuses an empty key or a key that
// already has a parser.
func (r *Registry) Register(key Key, p Parser) error {
	if key.Source == "" || key.DetailType == "" || p == nil {
		return fmt.Errorf("registering parser for %q: source, detail-type and parser are required", key)
	}
	if r.parsers == nil {
		r.parsers = map[Key]Parser{}
	}
	if _, dup := r.parsers[key]; dup {
		return fmt.Errorf("registering parser for %q: already registered", key)
	}
	r.parsers[key] = p
	return nil
}

// Keys lists the registered kinds, sorted.
func (r *Registry) Keys() []Key {
	keys := make([]Key, 0, len(r.parsers))
	for k := range r.parsers {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}

// Parse checks the envelope and decodes data into the type registered for
// its source and detail-type. Errors: ErrNotEvent (wrapped) for a bad
// envelope, *UnknownEventError for an unregistered kind, otherwise a decoding
// error naming the kind.
func (r *Registry) Parse(data []byte) (any, error) {
	raw, err := DecodeEnvelope(data)
	if err != nil {
		return nil, err
	}
	p, ok := r.parsers[raw.Key()]
	if !ok {
		return nil, &UnknownEventError{Key: raw.Key()}
	}
	ev, err := p(data)
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("decoding %s event %s: field %q must be a %s, got %s", raw.Key(), raw.ID, te.Field, te.Type, te.Value)
		}
		return nil, fmt.Errorf("decoding %s event %s: %w", raw.Key(), raw.ID, err)
	}
	return ev, nil
}
