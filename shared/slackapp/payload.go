package slackapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/slack-go/slack"
)

// MaxBodyBytes bounds an interactivity request body; Slack's block_actions
// payloads are a few kilobytes (they echo the message).
const MaxBodyBytes = 256 << 10

// ErrMalformed means a signed request's payload is not a Switchyard button
// click.
var ErrMalformed = errors.New("malformed Slack interaction payload")

// Click is one verified, parsed button click.
type Click struct {
	// ApprovalID is the button's value: the approval's short id.
	ApprovalID string
	// ActionID is the button's action id (ActionApprove, …).
	ActionID string
	// Decision tells a decision button (Answer set) from approve/reject
	// (Approve set).
	Decision bool
	Approve  bool
	Answer   string
	// User is the clicking Slack user's id, UserName their handle.
	User     string
	UserName string
	// Team is the workspace id; Channel and MessageTS where the button was.
	Team      string
	Channel   string
	MessageTS string
}

var approvalIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// ParsePayload parses an interactivity request body (form encoded, with the
// JSON in the "payload" field) into the one button click it must hold.
// Anything else is ErrMalformed with the reason.
func ParsePayload(body []byte) (Click, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return Click{}, fmt.Errorf("%w: body is not form encoded: %v", ErrMalformed, err)
	}
	raw := form.Get("payload")
	if raw == "" {
		return Click{}, fmt.Errorf("%w: no payload form field", ErrMalformed)
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(raw), &cb); err != nil {
		return Click{}, fmt.Errorf("%w: payload is not JSON of an interaction: %v", ErrMalformed, err)
	}
	if cb.Type != slack.InteractionTypeBlockActions {
		return Click{}, fmt.Errorf("%w: payload type %q (only %q is handled)", ErrMalformed, truncate(string(cb.Type), 40), slack.InteractionTypeBlockActions)
	}
	acts := cb.ActionCallback.BlockActions
	if n := len(acts) + len(cb.ActionCallback.AttachmentActions); n != 1 || len(acts) != 1 || acts[0] == nil {
		return Click{}, fmt.Errorf("%w: %d actions (exactly one Block Kit button click expected)", ErrMalformed, n)
	}
	act := acts[0]
	c := Click{
		ApprovalID: act.Value,
		ActionID:   act.ActionID,
		User:       cb.User.ID,
		UserName:   cb.User.Name,
		Team:       cb.Team.ID,
		Channel:    cb.Channel.ID,
		MessageTS:  cb.Container.MessageTs,
	}
	if c.Channel == "" {
		c.Channel = cb.Container.ChannelID
	}
	if c.MessageTS == "" {
		c.MessageTS = cb.Message.Timestamp
	}
	switch act.ActionID {
	case ActionApprove:
		c.Approve = true
	case ActionReject:
	case ActionRetry, ActionSkip, ActionUngraceful, ActionAbort:
		c.Decision = true
		c.Answer = strings.TrimPrefix(act.ActionID, "switchyard.decision.")
	default:
		return Click{}, fmt.Errorf("%w: action_id %q is not a Switchyard button", ErrMalformed, truncate(act.ActionID, 60))
	}
	if !approvalIDRE.MatchString(c.ApprovalID) {
		return Click{}, fmt.Errorf("%w: button value %q is not an approval id", ErrMalformed, truncate(c.ApprovalID, 60))
	}
	if !isSlackID(c.User) || strings.HasPrefix(c.User, "S") {
		return Click{}, fmt.Errorf("%w: user.id %q is not a Slack user id (U…, W…)", ErrMalformed, truncate(c.User, 40))
	}
	return c, nil
}
