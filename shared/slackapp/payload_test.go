package slackapp_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/slackapp/slacktest"
)

const testID = "AAAAAAAAAAAAAAAAAAAAAA"

func TestParsePayload(t *testing.T) {
	click := func(action, value, user string) []byte {
		return slacktest.Click{ApprovalID: value, ActionID: action, User: user, Channel: "C0PAYMENTS1", MessageTS: "1.2"}.Body()
	}
	raw := func(payload string) []byte { return []byte("payload=" + url.QueryEscape(payload)) }
	tests := []struct {
		name    string
		body    []byte
		want    slackapp.Click
		wantErr string
	}{
		{"approve", click(slackapp.ActionApprove, testID, "U01ALICE"),
			slackapp.Click{ApprovalID: testID, ActionID: slackapp.ActionApprove, Approve: true, User: "U01ALICE", UserName: "u01alice", Team: "T0SWITCHYD", Channel: "C0PAYMENTS1", MessageTS: "1.2"}, ""},
		{"reject", click(slackapp.ActionReject, testID, "W01ALICE"),
			slackapp.Click{ApprovalID: testID, ActionID: slackapp.ActionReject, User: "W01ALICE", UserName: "w01alice", Team: "T0SWITCHYD", Channel: "C0PAYMENTS1", MessageTS: "1.2"}, ""},
		{"decision", click(slackapp.ActionUngraceful, testID, "U01ALICE"),
			slackapp.Click{ApprovalID: testID, ActionID: slackapp.ActionUngraceful, Decision: true, Answer: "ungraceful", User: "U01ALICE", UserName: "u01alice", Team: "T0SWITCHYD", Channel: "C0PAYMENTS1", MessageTS: "1.2"}, ""},
		{"empty body", nil, slackapp.Click{}, "no payload"},
		{"bad form", []byte("payload=%zz"), slackapp.Click{}, "not form encoded"},
		{"not JSON", raw("{"), slackapp.Click{}, "not JSON"},
		{"view submission", raw(`{"type":"view_submission"}`), slackapp.Click{}, `payload type "view_submission"`},
		{"no actions", raw(`{"type":"block_actions","user":{"id":"U01ALICE"}}`), slackapp.Click{}, "0 actions"},
		{"two actions", raw(`{"type":"block_actions","user":{"id":"U01ALICE"},"actions":[{"type":"button","block_id":"b","action_id":"switchyard.approve","value":"` + testID + `"},{"type":"button","block_id":"b","action_id":"switchyard.approve","value":"` + testID + `"}]}`), slackapp.Click{}, "2 actions"},
		{"foreign action", click("other.button", testID, "U01ALICE"), slackapp.Click{}, "not a Switchyard button"},
		{"token-looking value", click(slackapp.ActionApprove, "AAAAKAAAAAAAAAAA/token+with=chars", "U01ALICE"), slackapp.Click{}, "not an approval id"},
		{"short value", click(slackapp.ActionApprove, "abc", "U01ALICE"), slackapp.Click{}, "not an approval id"},
		{"group as user", click(slackapp.ActionApprove, testID, "S03ONCALL"), slackapp.Click{}, "not a Slack user id"},
		{"no user", click(slackapp.ActionApprove, testID, ""), slackapp.Click{}, "not a Slack user id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := slackapp.ParsePayload(tt.body)
			if tt.wantErr != "" {
				if !errors.Is(err, slackapp.ErrMalformed) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrMalformed containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// FuzzParsePayload: no input panics, and an accepted click always names a
// well-formed approval id, a Switchyard action and a user id.
func FuzzParsePayload(f *testing.F) {
	f.Add(slacktest.Click{ApprovalID: testID, ActionID: slackapp.ActionApprove, User: "U01ALICE", Channel: "C1"}.Body())
	f.Add(slacktest.Click{ApprovalID: testID, ActionID: slackapp.ActionAbort, User: "W1", Channel: "C1"}.Body())
	f.Add([]byte(`payload={"type":"block_actions","actions":[null]}`))
	f.Add([]byte(`payload={"type":"block_actions","user":{"id":"U1X"},"actions":[{"action_id":"switchyard.reject","value":"` + testID + `"}],"container":{"channel_id":7}}`))
	f.Add([]byte("a=b&payload=&payload=1"))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := slackapp.ParsePayload(body)
		if err != nil {
			if !errors.Is(err, slackapp.ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if len(c.ApprovalID) < 16 || c.User == "" || !strings.HasPrefix(c.ActionID, "switchyard.") {
			t.Fatalf("accepted a bad click: %+v", c)
		}
		if c.Decision == (c.Answer == "") {
			t.Fatalf("decision/answer mismatch: %+v", c)
		}
	})
}
