package slacktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Click describes a button click to send as Slack would.
type Click struct {
	// ApprovalID is the button value; ActionID the button's action id.
	ApprovalID, ActionID string
	// User is the clicking user's id; Channel and MessageTS where the
	// message is.
	User, Channel, MessageTS string
}

// Body returns the form-encoded block_actions body Slack POSTs for c.
func (c Click) Body() []byte {
	p := map[string]any{
		"type":         "block_actions",
		"team":         map[string]string{"id": "T0SWITCHYD", "domain": "switchyard"},
		"user":         map[string]string{"id": c.User, "name": strings.ToLower(c.User), "team_id": "T0SWITCHYD"},
		"api_app_id":   "A0SWITCHYD",
		"container":    map[string]any{"type": "message", "message_ts": c.MessageTS, "channel_id": c.Channel, "is_ephemeral": false},
		"channel":      map[string]string{"id": c.Channel, "name": "recovery"},
		"trigger_id":   "1.2.3",
		"response_url": "https://hooks.slack.com/actions/T0SWITCHYD/1/xyz",
		"actions": []map[string]any{{
			"type": "button", "action_id": c.ActionID, "block_id": "switchyard.actions",
			"value": c.ApprovalID, "action_ts": "1700000001.000100",
			"text": map[string]any{"type": "plain_text", "text": "Approve"},
		}},
	}
	raw, _ := json.Marshal(p)
	return []byte("payload=" + url.QueryEscape(string(raw)))
}

// Sign returns the headers Slack sends with body at Unix time ts, signed
// with secret.
func Sign(secret string, ts int64, body []byte) http.Header {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + strconv.FormatInt(ts, 10) + ":"))
	m.Write(body)
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
	return h
}
