package awsevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Header is the EventBridge envelope shared by every event.
type Header struct {
	Version    string    `json:"version"`
	ID         string    `json:"id"`
	DetailType string    `json:"detail-type"`
	Source     string    `json:"source"`
	Account    string    `json:"account"`
	Time       time.Time `json:"time"`
	Region     string    `json:"region"`
	Resources  []string  `json:"resources"`
}

// Event is an EventBridge event whose detail has type D.
type Event[D any] struct {
	Header
	Detail D `json:"detail"`
}

// RawEvent is an event whose detail is kept as raw JSON.
type RawEvent = Event[json.RawMessage]

// Key identifies a kind of event: its source and detail-type.
type Key struct {
	Source     string
	DetailType string
}

// String renders the key as source/detail-type.
func (k Key) String() string { return k.Source + "/" + k.DetailType }

// Key returns the header's source and detail-type.
func (h Header) Key() Key { return Key{Source: h.Source, DetailType: h.DetailType} }

// ErrNotEvent reports input that is not an EventBridge event: not JSON, not
// an object, or missing the envelope fields.
var ErrNotEvent = errors.New("not an EventBridge event")

// requiredFields are the envelope members every delivered event has. A
// PutEvents entry needs only source, detail-type and detail; EventBridge adds
// the rest, and every event a rule or target sees carries all of them.
var requiredFields = []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}

// DecodeEnvelope checks that data is one EventBridge event and returns it with
// its detail as raw JSON. Errors wrap ErrNotEvent and say what is wrong and
// where (line and column for JSON syntax errors).
func DecodeEnvelope(data []byte) (RawEvent, error) {
	var ev RawEvent
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return ev, fmt.Errorf("%w: %s", ErrNotEvent, describeJSONError(data, err))
	}
	if fields == nil {
		return ev, fmt.Errorf("%w: the document is null; an event is a JSON object", ErrNotEvent)
	}
	for _, f := range requiredFields {
		if _, ok := fields[f]; !ok {
			return ev, fmt.Errorf("%w: field %q is missing; an event has %q", ErrNotEvent, f, requiredFields)
		}
	}
	for _, f := range []string{"version", "id", "detail-type", "source", "account", "time", "region"} {
		var s string
		if err := json.Unmarshal(fields[f], &s); err != nil {
			return ev, fmt.Errorf("%w: field %q must be a string, got %s", ErrNotEvent, f, kindOf(fields[f]))
		}
		if s == "" && (f == "source" || f == "detail-type" || f == "id") {
			return ev, fmt.Errorf("%w: field %q is empty", ErrNotEvent, f)
		}
	}
	var resources []string
	if err := json.Unmarshal(fields["resources"], &resources); err != nil || resources == nil {
		return ev, fmt.Errorf("%w: field \"resources\" must be an array of strings, got %s", ErrNotEvent, kindOf(fields["resources"]))
	}
	if k := kindOf(fields["detail"]); k != "object" {
		return ev, fmt.Errorf("%w: field \"detail\" must be an object, got %s", ErrNotEvent, k)
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		var te *time.ParseError
		if errors.As(err, &te) {
			return ev, fmt.Errorf("%w: field \"time\" must be an RFC 3339 timestamp such as 2026-11-22T03:00:00Z: %v", ErrNotEvent, err)
		}
		return ev, fmt.Errorf("%w: %v", ErrNotEvent, err)
	}
	return ev, nil
}

// kindOf names the JSON kind of a raw value, for error messages.
func kindOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// describeJSONError turns a decoding error into a message with line:column.
func describeJSONError(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, se)
	}
	var ue *json.UnmarshalTypeError
	if errors.As(err, &ue) {
		return fmt.Sprintf("the document is a JSON %s; an event is a JSON object", ue.Value)
	}
	return "invalid JSON: " + err.Error()
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line, col = 1, 1
	for _, b := range data[:offset] {
		if b == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}
