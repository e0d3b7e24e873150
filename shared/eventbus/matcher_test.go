package eventbus

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/switchyard-dev/switchyard/events"
)

// docEvent is the EC2 example event of the EventBridge user guide's event
// pattern pages, extended with the fields the numeric, null and array
// examples use.
const docEvent = `{
  "version": "0",
  "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "111122223333",
  "time": "2017-12-22T18:43:48Z",
  "region": "us-west-1",
  "resources": [
    "arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0",
    "arn:aws:ec2:us-west-1:123456789012:instance/i-0fedcba0987654321"
  ],
  "detail": {
    "instance-id": "i-1234567890abcdef0",
    "state": "terminated",
    "c-count": 5,
    "d-count": 7,
    "x-limit": 301.8,
    "count": 3.0,
    "eip": null,
    "empty": "",
    "enabled": true,
    "FileName": "photos/cat.png",
    "location": "us-west-1a",
    "source-ip": "10.0.0.123",
    "tags": ["prod", "payments"],
    "responseElements": {"items": [{"name": "a", "size": 10}, {"name": "b", "size": 99}]}
  }
}`

func mustMatcher(t *testing.T, pattern string) *Matcher {
	t.Helper()
	m, err := NewMatcher([]Rule{{Name: "r", File: "r.json", Pattern: []byte(pattern)}})
	if err != nil {
		t.Fatalf("NewMatcher(%s): %v", pattern, err)
	}
	return m
}

// TestEventBridgeSemantics runs patterns modelled on the EventBridge user
// guide ("Event patterns", "Content filtering", "Comparison operators") on
// docEvent.
func TestEventBridgeSemantics(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		// Exact matching, arrays, missing and nested fields.
		{"source and detail-type", `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}`, true},
		{"value is one of several", `{"detail":{"state":["running","terminated"]}}`, true},
		{"value not listed", `{"detail":{"state":["running","pending"]}}`, false},
		{"case sensitive", `{"detail":{"state":["Terminated"]}}`, false},
		{"event array matches any element", `{"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-0fedcba0987654321"]}`, true},
		{"event array, no element listed", `{"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-nope"]}`, false},
		{"missing field does not match", `{"detail":{"no-such-field":["x"]}}`, false},
		{"fields not in the pattern are ignored", `{"detail":{"instance-id":["i-1234567890abcdef0"]}}`, true},
		{"nested field through an array of objects", `{"detail":{"responseElements":{"items":{"name":["b"]}}}}`, true},
		{"all fields must match", `{"source":["aws.ec2"],"detail":{"state":["running"]}}`, false},
		// Array consistency (quamina, like EventBridge's Ruler): fields of one
		// pattern object match within one element of an array of objects.
		{"same array element", `{"detail":{"responseElements":{"items":{"name":["b"],"size":[99]}}}}`, true},
		{"across array elements", `{"detail":{"responseElements":{"items":{"name":["a"],"size":[99]}}}}`, false},
		{"object is not a leaf", `{"detail":{"responseElements":["x"]}}`, false},
		// null, empty string, booleans, numbers.
		{"null matches null", `{"detail":{"eip":[null]}}`, true},
		{"null does not match a missing field", `{"detail":{"nothing":[null]}}`, false},
		{"empty string matches empty string", `{"detail":{"empty":[""]}}`, true},
		{"empty string does not match null", `{"detail":{"eip":[""]}}`, false},
		{"boolean", `{"detail":{"enabled":[true]}}`, true},
		{"boolean false", `{"detail":{"enabled":[false]}}`, false},
		{"number exact", `{"detail":{"c-count":[5]}}`, true},
		{"number 3 matches 3.0", `{"detail":{"count":[3]}}`, true},
		{"number string is not a number", `{"detail":{"c-count":["5"]}}`, false},
		// Operators quamina implements.
		{"prefix", `{"detail":{"location":[{"prefix":"us-"}]}}`, true},
		{"prefix miss", `{"detail":{"location":[{"prefix":"eu-"}]}}`, false},
		{"exists true", `{"detail":{"state":[{"exists":true}]}}`, true},
		{"exists false on present field", `{"detail":{"state":[{"exists":false}]}}`, false},
		{"exists false on missing field", `{"detail":{"failure-code":[{"exists":false}]}}`, true},
		{"anything-but list", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, true},
		{"anything-but list excludes", `{"detail":{"state":[{"anything-but":["terminated"]}]}}`, false},
		{"anything-but on a missing field", `{"detail":{"nothing":[{"anything-but":["x"]}]}}`, false},
		{"equals-ignore-case", `{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}`, true},
		{"wildcard", `{"detail":{"FileName":[{"wildcard":"photos/*.png"}]}}`, true},
		{"wildcard miss", `{"detail":{"FileName":[{"wildcard":"videos/*"}]}}`, false},
		// Operators implemented here.
		{"suffix", `{"detail":{"FileName":[{"suffix":".png"}]}}`, true},
		{"suffix miss", `{"detail":{"FileName":[{"suffix":".jpg"}]}}`, false},
		{"suffix ignore case", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".PNG"}}]}}`, true},
		{"prefix ignore case", `{"detail":{"FileName":[{"prefix":{"equals-ignore-case":"PHOTOS/"}}]}}`, true},
		{"suffix among exact values", `{"detail":{"FileName":["x", {"suffix":".png"}]}}`, true},
		{"numeric doc example", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}`, true},
		{"numeric upper bound exclusive", `{"detail":{"c-count":[{"numeric":[">",0,"<",5]}]}}`, false},
		{"numeric lower bound inclusive", `{"detail":{"c-count":[{"numeric":[">=",5]}]}}`, true},
		{"numeric on a string", `{"detail":{"state":[{"numeric":[">",0]}]}}`, false},
		{"numeric through arrays of objects", `{"detail":{"responseElements":{"items":{"size":[{"numeric":[">",50]}]}}}}`, true},
		{"anything-but single string", `{"detail":{"state":[{"anything-but":"stopped"}]}}`, true},
		{"anything-but number", `{"detail":{"c-count":[{"anything-but":[1,2,5]}]}}`, false},
		{"anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"term"}}]}}`, false},
		{"anything-but wildcard", `{"detail":{"FileName":[{"anything-but":{"wildcard":"photos/*"}}]}}`, false},
		{"anything-but suffix", `{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}`, true},
		{"anything-but equals-ignore-case", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["TERMINATED"]}}]}}`, false},
		{"anything-but with an array event value", `{"detail":{"tags":[{"anything-but":{"prefix":"prod"}}]}}`, true},
		{"$or doc example", `{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",1]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",3.018e2]}]}]}}`, true},
		{"$or none holds", `{"detail":{"$or":[{"c-count":[1]},{"state":["running"]}]}}`, false},
		{"$or at the top", `{"source":["aws.ec2"],"$or":[{"region":["us-east-1"]},{"account":["111122223333"]}]}`, true},
		{"$or and a failing field", `{"source":["aws.s3"],"$or":[{"region":["us-west-1"]},{"account":["111122223333"]}]}`, false},
		{"nested $or", `{"detail":{"$or":[{"state":["running"]},{"$or":[{"location":[{"suffix":"1a"}]},{"c-count":[0]}]}]}}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mustMatcher(t, tc.pattern).Match([]byte(docEvent))
			if err != nil {
				t.Fatal(err)
			}
			if matched := len(got) == 1; matched != tc.want {
				t.Errorf("pattern %s: matched=%v, want %v", tc.pattern, matched, tc.want)
			}
		})
	}
}

func TestPatternErrors(t *testing.T) {
	tests := []struct {
		name, pattern, want string
		unsupported         bool
	}{
		{"cidr", `{"detail":{"source-ip":[{"cidr":"10.0.0.0/24"}]}}`, `detail.source-ip: unsupported operator "cidr"`, true},
		{"unknown operator", `{"detail":{"x":[{"regex":"a+"}]}}`, `detail.x: unsupported operator "regex"`, true},
		{"shellstyle is quamina's, not EventBridge's", `{"a":[{"shellstyle":"a*"}]}`, `unsupported operator "shellstyle"`, true},
		{"cidr inside anything-but", `{"a":[{"anything-but":{"cidr":"10.0.0.0/8"}}]}`, `unsupported operator "cidr" inside anything-but`, true},
		{"not an object", `["a"]`, "an event pattern must be a JSON object", false},
		{"empty", `{}`, "must not be empty", false},
		{"invalid JSON", `{"a":[}`, "invalid JSON", false},
		{"leaf not in an array", `{"source":"aws.ec2"}`, "source: the value must be an array of match values or an object, got a string", false},
		{"empty array", `{"source":[]}`, "source: an empty array matches nothing", false},
		{"nested array", `{"source":[["a"]]}`, "arrays inside a match array", false},
		{"two operators in one object", `{"a":[{"prefix":"x","suffix":"y"}]}`, "exactly one operator", false},
		{"exists with another value", `{"a":[{"exists":true},"b"]}`, `"exists" cannot be combined`, false},
		{"numeric bad comparison", `{"a":[{"numeric":["!=",1]}]}`, `unknown comparison "!="`, false},
		{"numeric empty range", `{"a":[{"numeric":[">",5,"<",1]}]}`, "the range is empty", false},
		{"numeric two lower bounds", `{"a":[{"numeric":[">",1,">=",2]}]}`, "more than one lower bound", false},
		{"$or with one branch", `{"$or":[{"a":["b"]}]}`, "at least two", false},
		{"$or inside an array", `{"a":[{"$or":[1,2]}]}`, "not inside a match array", false},
		{"wildcard with consecutive stars", `{"a":[{"wildcard":"a**b"}]}`, "consecutive wildcard", false},
		{"wildcard bad escape", `{"a":[{"wildcard":"a\\xb"}]}`, "a backslash may only escape", false},
		{"anything-but wildcard bad escape", `{"a":[{"anything-but":{"wildcard":"a\\xb"}}]}`, "a backslash may only escape", false},
		{"prefix not a string", `{"a":[{"prefix":3}]}`, `"prefix": the operand must be a string`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"rules/bad-rule.json": {Data: []byte(tc.pattern)}}
			_, err := LoadRulesFS(fsys, "rules")
			if err == nil {
				t.Fatal("LoadRulesFS accepted the rule")
			}
			if !strings.Contains(err.Error(), "rules/bad-rule.json: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q; want the file name and %q", err, tc.want)
			}
			var re *RuleError
			if !errors.As(err, &re) || re.File != "rules/bad-rule.json" {
				t.Errorf("error %v is not a *RuleError for the file", err)
			}
			if IsUnsupportedOperator(err) != tc.unsupported {
				t.Errorf("IsUnsupportedOperator = %v, want %v", IsUnsupportedOperator(err), tc.unsupported)
			}
		})
	}
}

func TestLoadRulesErrors(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"no rules", fstest.MapFS{"rules/README.md": {Data: []byte("x")}}, "no *.json rule in rules"},
		{"bad name", fstest.MapFS{"rules/bad name!.json": {Data: []byte(`{"a":["b"]}`)}}, `rule name "bad name!"`},
		{"missing dir", fstest.MapFS{}, "reading rules"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := LoadRulesFS(tc.fsys, "rules"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("duplicate names", func(t *testing.T) {
		r := Rule{Name: "a", File: "a.json", Pattern: []byte(`{"x":["y"]}`)}
		if _, err := NewMatcher([]Rule{r, r}); err == nil || !strings.Contains(err.Error(), "duplicate rule name") {
			t.Errorf("got %v", err)
		}
	})
}

func TestMatchRejectsNonObjects(t *testing.T) {
	m := mustMatcher(t, `{"a":["b"]}`)
	for _, in := range []string{``, `[]`, `"a"`, `{"a":`, `null`} {
		if _, err := m.Match([]byte(in)); err == nil {
			t.Errorf("Match(%q) succeeded", in)
		}
	}
}

// TestProjectRules matches every sample in events/samples against the
// project's rules in events/rules.
func TestProjectRules(t *testing.T) {
	rules, err := LoadRules("../../events/rules")
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := LoadRulesFS(events.FS, "rules")
	if err != nil || len(embedded) != len(rules) {
		t.Fatalf("embedded rules: %d, %v; on disk %d", len(embedded), err, len(rules))
	}
	for i := range rules {
		if embedded[i].Name != rules[i].Name || string(embedded[i].Pattern) != string(rules[i].Pattern) {
			t.Errorf("embedded rule %s differs from %s", embedded[i].File, rules[i].File)
		}
	}
	m, err := NewMatcher(rules)
	if err != nil {
		t.Fatal(err)
	}
	alarm := []string{"cloudwatch-alarm-state-change"}
	lag := []string{"cloudwatch-alarm-state-change", "replication-lag-alarm"}
	rds := []string{"rds-global-cluster-events"}
	own := []string{"switchyard-events"}
	want := map[string][]string{
		"alarm-payments-api-5xx-ok-to-alarm.json": alarm,
		"alarm-payments-api-5xx-alarm-to-ok.json": alarm,
		"alarm-aurora-replication-lag.json":       lag,
		"alarm-dynamodb-replication-latency.json": lag,
		"alarm-route53-health-check.json":         alarm,
		"alarm-composite.json":                    alarm,
		"rds-global-switchover-started.json":      rds,
		"rds-global-switchover-completed.json":    rds,
		"rds-global-switchover-failed.json":       rds,
		"rds-global-failover-completed.json":      rds,
		"rds-global-failover-failed.json":         rds,
		// Schedules are delivered to their own targets, never matched.
		"scheduled-event.json":                    {},
		"switchyard-execution-status-change.json": own,
		"switchyard-step-status-change.json":      own,
		"switchyard-readiness-changed.json":       own,
		"switchyard-trigger-decision.json":        own,
		"switchyard-approval-requested.json":      own,
	}
	paths, err := filepath.Glob("../../events/samples/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, p := range paths {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			exp, ok := want[name]
			if !ok {
				t.Fatalf("sample %s has no expected rules in this test", name)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Match(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("matched %q, want %q", got, exp)
			}
		})
	}
	t.Run("other RDS events do not match", func(t *testing.T) {
		data, err := os.ReadFile("../../events/samples/rds-global-switchover-started.json")
		if err != nil {
			t.Fatal(err)
		}
		patched := strings.Replace(string(data), "RDS-EVENT-0181", "RDS-EVENT-0173", 1)
		if got, _ := m.Match([]byte(patched)); len(got) != 0 {
			t.Errorf("a patching event matched %q", got)
		}
	})
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*.png", "a.png", true},
		{"*.png", "a.png.txt", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "acb", false},
		{`a\*b`, "a*b", true},
		{`a\*b`, "aXb", false},
		{`a\\b`, `a\b`, true},
		{"ab", "ab", true},
		{"*", "", true},
		{"a*a", "a", false},
	}
	for _, tc := range tests {
		if got := wildcardMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
