package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MockConfig is a Step Functions Local mock configuration file:
//
//	{"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
//	 "MockedResponses": {"<response>": {"0": {"Return": …}, "1-2": {"Throw": {"Error": …, "Cause": …}}}}}
//
// A mocked Task state does not call its resource: invocation n (0-based,
// retries included) of the state in an execution gets the response whose key
// covers n; past the last key the last response is reused.
type MockConfig struct {
	StateMachines   map[string]MockStateMachine           `json:"StateMachines"`
	MockedResponses map[string]map[string]json.RawMessage `json:"MockedResponses"`

	responses map[string][]mockRange
}

// MockStateMachine holds the test cases of one state machine.
type MockStateMachine struct {
	TestCases map[string]map[string]string `json:"TestCases"`
}

type mockRange struct {
	from, to int
	resp     MockResponse
}

// MockResponse is one mocked outcome: Return (a result) or Throw (an error).
type MockResponse struct {
	Return json.RawMessage `json:"Return,omitempty"`
	Throw  *MockThrow      `json:"Throw,omitempty"`
}

// MockThrow is a mocked failure.
type MockThrow struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// ParseMockConfig decodes and validates a mock configuration.
func ParseMockConfig(data []byte) (*MockConfig, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c MockConfig
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("mock config: %w", err)
	}
	c.responses = map[string][]mockRange{}
	for name, byIdx := range c.MockedResponses {
		var ranges []mockRange
		for key, raw := range byIdx {
			from, to, err := parseRange(key)
			if err != nil {
				return nil, fmt.Errorf("mock config: MockedResponses.%s: key %q: %w", name, key, err)
			}
			d := json.NewDecoder(bytes.NewReader(raw))
			d.DisallowUnknownFields()
			var r MockResponse
			if err := d.Decode(&r); err != nil {
				return nil, fmt.Errorf("mock config: MockedResponses.%s.%s: %w", name, key, err)
			}
			if (r.Return == nil) == (r.Throw == nil) {
				return nil, fmt.Errorf("mock config: MockedResponses.%s.%s: needs exactly one of Return or Throw", name, key)
			}
			if r.Throw != nil && r.Throw.Error == "" {
				return nil, fmt.Errorf("mock config: MockedResponses.%s.%s.Throw: Error is required", name, key)
			}
			ranges = append(ranges, mockRange{from, to, r})
		}
		sort.Slice(ranges, func(i, j int) bool { return ranges[i].from < ranges[j].from })
		for i := 1; i < len(ranges); i++ {
			if ranges[i].from <= ranges[i-1].to {
				return nil, fmt.Errorf("mock config: MockedResponses.%s: invocation ranges overlap", name)
			}
		}
		if len(ranges) == 0 {
			return nil, fmt.Errorf("mock config: MockedResponses.%s: no responses", name)
		}
		c.responses[name] = ranges
	}
	for sm, m := range c.StateMachines {
		for tc, states := range m.TestCases {
			for state, resp := range states {
				if _, ok := c.responses[resp]; !ok {
					return nil, fmt.Errorf("mock config: StateMachines.%s.TestCases.%s.%s: mocked response %q is not defined in MockedResponses", sm, tc, state, resp)
				}
			}
		}
	}
	return &c, nil
}

func parseRange(key string) (int, int, error) {
	a, b, isRange := strings.Cut(key, "-")
	from, err := strconv.Atoi(a)
	if err != nil || from < 0 {
		return 0, 0, fmt.Errorf("want an invocation index such as \"0\" or a range such as \"1-2\"")
	}
	to := from
	if isRange {
		to, err = strconv.Atoi(b)
		if err != nil || to < from {
			return 0, 0, fmt.Errorf("want a range such as \"1-2\" with start <= end")
		}
	}
	return from, to, nil
}

// HasTestCase reports whether machine has the named test case.
func (c *MockConfig) HasTestCase(machine, testCase string) bool {
	m, ok := c.StateMachines[machine]
	if !ok {
		return false
	}
	_, ok = m.TestCases[testCase]
	return ok
}

// lookup returns the mocked response for invocation n of state, if mocked.
func (c *MockConfig) lookup(machine, testCase, state string, n int) (MockResponse, bool) {
	if c == nil {
		return MockResponse{}, false
	}
	m, ok := c.StateMachines[machine]
	if !ok {
		return MockResponse{}, false
	}
	tc, ok := m.TestCases[testCase]
	if !ok {
		return MockResponse{}, false
	}
	name, ok := tc[state]
	if !ok {
		return MockResponse{}, false
	}
	ranges := c.responses[name]
	for _, r := range ranges {
		if n >= r.from && n <= r.to {
			return r.resp, true
		}
	}
	return ranges[len(ranges)-1].resp, true
}
