package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// ChatAPI is the part of the Slack Web API the Poster calls.
type ChatAPI interface {
	// PostMessageContext calls chat.postMessage.
	PostMessageContext(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error)
	// UpdateMessageContext calls chat.update.
	UpdateMessageContext(ctx context.Context, channel, ts string, opts ...slack.MsgOption) (string, string, string, error)
	// PostEphemeralContext calls chat.postEphemeral.
	PostEphemeralContext(ctx context.Context, channel, user string, opts ...slack.MsgOption) (string, error)
}

var _ ChatAPI = (*slack.Client)(nil)

// MessageStore is the part of the store the Poster uses.
type MessageStore interface {
	GetApproval(ctx context.Context, id string) (store.Approval, error)
	SetApprovalMessage(ctx context.Context, id string, ref store.SlackRef) (store.Approval, error)
	AppendAudit(ctx context.Context, r store.AuditRecord) (store.AuditRecord, error)
}

// Audit actions the Poster records.
const (
	AuditMessagePosted       = "slack.message.posted"
	AuditMessageUpdated      = "slack.message.updated"
	AuditMessageUpdateFailed = "slack.message.update_failed"
)

// Poster posts approval messages and keeps them up to date.
type Poster struct {
	api   ChatAPI
	st    MessageStore
	clock clock.Clock

	// Attempts and Backoff bound UpdateWithRetry: Attempts tries, waiting
	// Backoff, 2×Backoff, … (capped at a minute) between them.
	Attempts int
	Backoff  time.Duration
}

// NewPoster returns a Poster using api and recording messages in st.
func NewPoster(api ChatAPI, st MessageStore, clk clock.Clock) *Poster {
	return &Poster{api: api, st: st, clock: clk, Attempts: 8, Backoff: 2 * time.Second}
}

// Post posts the message for r to channel and records its channel and ts on
// the approval. It is idempotent: an approval whose message was already
// recorded is updated in place instead of posted again (a retried approval
// Lambda does not post twice).
func (p *Poster) Post(ctx context.Context, channel string, r Request) (store.Approval, error) {
	a, err := p.st.GetApproval(ctx, r.Approval.ID)
	if err != nil {
		return store.Approval{}, fmt.Errorf("posting approval %s: %w", r.Approval.ID, err)
	}
	r.Approval = a
	if a.Message.TS != "" {
		return a, p.Update(ctx, r)
	}
	ch, ts, err := p.api.PostMessageContext(ctx, channel,
		slack.MsgOptionText(FallbackText(r), false), slack.MsgOptionBlocks(Blocks(r)...))
	if err != nil {
		return a, fmt.Errorf("posting approval %s to Slack channel %s (chat.postMessage): %w", a.ID, channel, err)
	}
	a, err = p.st.SetApprovalMessage(ctx, a.ID, store.SlackRef{Channel: ch, TS: ts})
	if err != nil {
		return a, fmt.Errorf("recording Slack message %s/%s of approval %s: %w", ch, ts, r.Approval.ID, err)
	}
	p.audit(ctx, a, AuditMessagePosted, "", map[string]string{"channel": ch, "ts": ts})
	return a, nil
}

// ErrNoMessage means the approval has no Slack message to update (Slack was
// not configured or the post failed).
var ErrNoMessage = errors.New("approval has no Slack message")

// Update re-renders the approval's message from the approval's current
// state in the store (r's other fields give the context). A failure is
// recorded in the execution's audit log and returned.
func (p *Poster) Update(ctx context.Context, r Request) error {
	a, err := p.st.GetApproval(ctx, r.Approval.ID)
	if err != nil {
		return fmt.Errorf("updating Slack message of approval %s: %w", r.Approval.ID, err)
	}
	r.Approval = a
	if a.Message.TS == "" {
		return fmt.Errorf("updating Slack message of approval %s: %w", a.ID, ErrNoMessage)
	}
	_, _, _, err = p.api.UpdateMessageContext(ctx, a.Message.Channel, a.Message.TS,
		slack.MsgOptionText(FallbackText(r), false), slack.MsgOptionBlocks(Blocks(r)...))
	if err != nil {
		err = fmt.Errorf("updating Slack message %s/%s of approval %s (chat.update): %w", a.Message.Channel, a.Message.TS, a.ID, err)
		p.audit(ctx, a, AuditMessageUpdateFailed, "", map[string]string{"error": err.Error(), "status": string(a.Status)})
		return err
	}
	// Keyed by status: the audit says once that the message shows each
	// state, however many times it was re-rendered.
	p.audit(ctx, a, AuditMessageUpdated, "slack.updated:"+a.ID+":"+string(a.Status)+fmt.Sprint(len(a.Approvers)),
		map[string]string{"status": string(a.Status)})
	return nil
}

// UpdateWithRetry calls Update until it succeeds, Attempts are spent or ctx
// ends, backing off between attempts on the Poster's clock. Each failure is
// in the audit log, so a message Slack never received is visible.
func (p *Poster) UpdateWithRetry(ctx context.Context, r Request) error {
	wait := p.Backoff
	var err error
	for i := range max(p.Attempts, 1) {
		if i > 0 {
			if serr := p.clock.Sleep(ctx, wait); serr != nil {
				return errors.Join(err, serr)
			}
			wait = min(2*wait, time.Minute)
		}
		if err = p.Update(ctx, r); err == nil || errors.Is(err, ErrNoMessage) || errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return err
}

// Ephemeral shows text to one user in channel (chat.postEphemeral).
func (p *Poster) Ephemeral(ctx context.Context, channel, user, text string) error {
	if _, err := p.api.PostEphemeralContext(ctx, channel, user, slack.MsgOptionText(text, false)); err != nil {
		return fmt.Errorf("telling %s in %s (chat.postEphemeral): %w", user, channel, err)
	}
	return nil
}

func (p *Poster) audit(ctx context.Context, a store.Approval, action, key string, detail map[string]string) {
	detail["approval"] = a.ID
	raw, _ := json.Marshal(detail)
	// Best effort: the audit of a message is not worth failing the vote.
	_, _ = p.st.AppendAudit(ctx, store.AuditRecord{Execution: a.Execution, Actor: "slack", Action: action, Detail: raw, Key: key})
}
