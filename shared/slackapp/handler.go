package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// Answerer records a vote on an approval or decision and, for the one vote
// that completes it, completes the Step Functions task (SendTaskSuccess, or
// SendTaskFailure "Rejected"). shared/approval implements it. It must be
// idempotent per (id, user) like store.VoteApproval, and return
// *store.NotPendingError for a new vote on a closed approval.
type Answerer interface {
	Answer(ctx context.Context, id string, v store.Vote) (store.VoteResult, error)
}

// HandlerStore is the part of the store the interactivity handler reads and
// the audit log it writes.
type HandlerStore interface {
	DetailStore
	MessageStore
}

// FollowUp is the work done after Slack was answered: re-render the
// approval's message and tell one user something privately. It is plain
// data so it can cross a process boundary.
type FollowUp struct {
	// Approval is the approval whose message to update (empty: none).
	Approval string `json:"approval,omitempty"`
	// Channel, User and Text are an ephemeral note (empty Text: none).
	Channel string `json:"channel,omitempty"`
	User    string `json:"user,omitempty"`
	Text    string `json:"text,omitempty"`
}

// Deferrer runs follow-ups after the response to Slack.
type Deferrer interface {
	// Defer schedules f; it must return quickly.
	Defer(ctx context.Context, f FollowUp)
}

// HandlerConfig wires a Handler.
type HandlerConfig struct {
	// Verifier checks signatures (required).
	Verifier *Verifier
	// Replay remembers accepted signatures (required).
	Replay *ReplayGuard
	// Store reads approvals, executions, plans and writes the audit log
	// (required).
	Store HandlerStore
	// Answerer votes and completes tasks (required).
	Answerer Answerer
	// Authorizer resolves approvers (required).
	Authorizer *Authorizer
	// Poster updates messages (nil: messages are not updated).
	Poster *Poster
	// Deferrer runs follow-ups; nil runs them inline before answering,
	// bounded by InlineBudget (the Lambda way, see Handler), unless
	// Background is set.
	Deferrer Deferrer
	// Background runs follow-ups on a goroutine started with Clock.Go after
	// the response (`dev serve`): a GoDeferrer over the handler itself.
	Background bool
	// InlineBudget bounds inline follow-ups (default 1.5 s, which keeps
	// the whole answer within Slack's 3 s).
	InlineBudget time.Duration
	// Clock is the time source (required).
	Clock clock.Clock
	// Logger logs decisions and refusals (default slog.Default()).
	Logger *slog.Logger
}

// Handler is Slack's interactivity endpoint (POST /slack/interactions).
//
// Every request is verified first (401 and nothing changed otherwise), then
// parsed (400), the approval read (404), the user authorized against the
// plan's approvers (403, and an ephemeral note), then the vote recorded and,
// if it completes the approval, the task completed — synchronously, because
// both are single fast calls (a conditional DynamoDB write and
// SendTaskSuccess) and the vote must be durable before Slack hears "200".
// The message update and ephemeral notes are follow-ups: in `dev serve` a
// goroutine runs them after the response (GoDeferrer); in Lambda, where
// nothing runs after the response, they run inline bounded by InlineBudget,
// and a failed or late update is recorded in the audit log and retried by
// the API path or the next click (Poster.UpdateWithRetry).
type Handler struct {
	cfg HandlerConfig
	log *slog.Logger
}

// NewHandler checks cfg and returns the handler.
func NewHandler(cfg HandlerConfig) (*Handler, error) {
	if cfg.Verifier == nil || cfg.Replay == nil || cfg.Store == nil || cfg.Answerer == nil || cfg.Authorizer == nil || cfg.Clock == nil {
		return nil, errors.New("slack handler: Verifier, Replay, Store, Answerer, Authorizer and Clock are required")
	}
	if cfg.InlineBudget <= 0 {
		cfg.InlineBudget = 1500 * time.Millisecond
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{cfg: cfg, log: log}
	if cfg.Deferrer == nil && cfg.Background {
		h.cfg.Deferrer = GoDeferrer{Run: h.RunFollowUp, Clock: cfg.Clock}
	}
	return h, nil
}

// reply is the handler's answer to Slack. Slack ignores the body of a
// block_actions response except to show errors; Text is what a person
// reading logs or curl output needs.
type reply struct {
	status int
	Text   string `json:"text"`
	// ResponseType is "ephemeral" so a body Slack does render stays private.
	ResponseType string `json:"response_type"`
	// Code is a stable machine-readable reason.
	Code string `json:"code"`
}

// ServeHTTP handles one interactivity request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeReply(w, reply{status: http.StatusMethodNotAllowed, Code: "method", Text: "only POST is accepted"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil || len(body) > MaxBodyBytes {
		writeReply(w, reply{status: http.StatusRequestEntityTooLarge, Code: "body", Text: fmt.Sprintf("request body unreadable or over %d bytes", MaxBodyBytes)})
		return
	}
	rep, follow := h.handle(r.Context(), r.Header, body)
	writeReply(w, rep)
	for _, f := range follow {
		h.runOrDefer(r.Context(), f)
	}
}

func writeReply(w http.ResponseWriter, rep reply) {
	if rep.ResponseType == "" {
		rep.ResponseType = "ephemeral"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_ = json.NewEncoder(w).Encode(rep)
}

func (h *Handler) runOrDefer(ctx context.Context, f FollowUp) {
	if h.cfg.Deferrer != nil {
		h.cfg.Deferrer.Defer(ctx, f)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.cfg.InlineBudget)
	defer cancel()
	h.RunFollowUp(ctx, f)
}

// Refusal codes in replies.
const (
	CodeUnauthorized = "unauthorized"
	CodeReplay       = "replay"
	CodeMalformed    = "malformed"
	CodeNotFound     = "not_found"
	CodeForbidden    = "not_an_approver"
	CodeExpired      = "expired"
	CodeClosed       = "closed"
	CodeUnavailable  = "unavailable"
	CodeRecorded     = "recorded"
	CodeDuplicate    = "duplicate"
)

// handle does everything but writing: it returns the reply and the
// follow-ups to run after it.
func (h *Handler) handle(ctx context.Context, hdr http.Header, body []byte) (reply, []FollowUp) {
	if err := h.cfg.Verifier.Verify(hdr, body); err != nil {
		h.log.WarnContext(ctx, "slack request refused", "reason", err.Error())
		return reply{status: http.StatusUnauthorized, Code: CodeUnauthorized, Text: "request signature or timestamp invalid"}, nil
	}
	sig := hdr.Get(HeaderSignature)
	if h.cfg.Replay.Seen(sig) {
		if hdr.Get(HeaderRetryNum) != "" {
			// Slack retrying a request we already took: say yes so it stops.
			return reply{status: http.StatusOK, Code: CodeDuplicate, Text: "already received"}, nil
		}
		h.log.WarnContext(ctx, "slack request refused", "reason", "replayed signature")
		return reply{status: http.StatusUnauthorized, Code: CodeReplay, Text: "request already received"}, nil
	}
	rep, follow, retryable := h.click(ctx, body)
	if retryable {
		h.cfg.Replay.Forget(sig)
	}
	return rep, follow
}

// click handles a verified request; retryable is true when nothing was
// done and Slack may send the same request again.
func (h *Handler) click(ctx context.Context, body []byte) (rep reply, follow []FollowUp, retryable bool) {
	c, err := ParsePayload(body)
	if err != nil {
		h.log.WarnContext(ctx, "slack payload refused", "reason", err.Error())
		return reply{status: http.StatusBadRequest, Code: CodeMalformed, Text: err.Error()}, nil, false
	}
	log := h.log.With("approval", c.ApprovalID, "slackUser", c.User)
	a, err := h.cfg.Store.GetApproval(ctx, c.ApprovalID)
	if errors.Is(err, store.ErrNotFound) {
		return reply{status: http.StatusNotFound, Code: CodeNotFound, Text: "this approval does not exist (or is older than its retention)"}, nil, false
	}
	if err != nil {
		log.ErrorContext(ctx, "reading approval", "error", err.Error())
		return unavailable(), nil, true
	}
	log = log.With("execution", a.Execution, "plan", a.Plan)
	if c.Decision != (a.Kind == store.KindDecision) {
		return reply{status: http.StatusBadRequest, Code: CodeMalformed, Text: fmt.Sprintf("button %s does not belong to a %s", c.ActionID, a.Kind)}, nil, false
	}
	if a.Message.Channel != "" && c.Channel != "" && c.Channel != a.Message.Channel {
		return reply{status: http.StatusBadRequest, Code: CodeMalformed, Text: "button clicked outside the approval's channel"}, nil, false
	}
	p, err := LoadPlan(ctx, h.cfg.Store, a.Plan, h.planVersion(ctx, a))
	if err != nil {
		log.ErrorContext(ctx, "loading plan", "error", err.Error())
		return unavailable(), nil, true
	}
	var approvers []string
	if ap := p.Spec.Approval; ap != nil && ap.Slack != nil {
		approvers = ap.Slack.Approvers
	}
	ok, err := h.cfg.Authorizer.IsApprover(ctx, c.User, approvers)
	if err != nil && !ok {
		log.ErrorContext(ctx, "authorizing approver", "error", err.Error())
		return unavailable(), nil, true
	}
	if !ok {
		text := fmt.Sprintf("you are not an approver for %s", a.Plan)
		log.WarnContext(ctx, "slack click refused", "reason", "not an approver")
		return reply{status: http.StatusForbidden, Code: CodeForbidden, Text: text}, []FollowUp{{Channel: c.Channel, User: c.User, Text: text}}, false
	}
	if a.Status == store.ApprovalExpired {
		text := fmt.Sprintf("this %s expired at %s; nothing was recorded", a.Kind, a.ExpiresAt.UTC().Format(time.RFC3339))
		return reply{status: http.StatusGone, Code: CodeExpired, Text: text}, []FollowUp{{Channel: c.Channel, User: c.User, Text: text}}, false
	}
	v := store.Vote{User: c.User, Approve: c.Approve, Answer: c.Answer}
	res, err := h.cfg.Answerer.Answer(ctx, a.ID, v)
	var np *store.NotPendingError
	switch {
	case errors.As(err, &np):
		if np.Status == store.ApprovalExpired {
			text := fmt.Sprintf("this %s expired; nothing was recorded", a.Kind)
			return reply{status: http.StatusGone, Code: CodeExpired, Text: text}, []FollowUp{{Channel: c.Channel, User: c.User, Text: text}}, false
		}
		text := fmt.Sprintf("this %s is already %s; your click changed nothing", a.Kind, np.Status)
		return reply{status: http.StatusOK, Code: CodeClosed, Text: text}, []FollowUp{{Channel: c.Channel, User: c.User, Text: text}}, false
	case errors.Is(err, store.ErrInvalid):
		return reply{status: http.StatusBadRequest, Code: CodeMalformed, Text: err.Error()}, nil, false
	case err != nil:
		log.ErrorContext(ctx, "recording vote", "error", err.Error())
		return unavailable(), nil, true
	}
	if !res.Counted {
		return reply{status: http.StatusOK, Code: CodeDuplicate, Text: "your answer was already recorded"}, nil, false
	}
	h.auditVote(ctx, c, res)
	log.InfoContext(ctx, "slack vote recorded", "approve", c.Approve, "answer", c.Answer, "completed", res.Completed, "status", string(res.Approval.Status))
	return reply{status: http.StatusOK, Code: CodeRecorded, Text: "recorded"}, []FollowUp{{Approval: a.ID}}, false
}

func (h *Handler) planVersion(ctx context.Context, a store.Approval) string {
	if e, err := h.cfg.Store.GetExecution(ctx, a.Execution); err == nil {
		return e.PlanVersion
	}
	return ""
}

func unavailable() reply {
	return reply{status: http.StatusServiceUnavailable, Code: CodeUnavailable, Text: "Switchyard could not record this click right now; nothing changed, try again or use `switchyard approve`"}
}

// AuditSlackVote is the audit action the handler records for every counted
// click, with the Slack user as actor ("slack:U…") and the Slack context
// (channel, message, user name, team). The vote itself is audited by the
// approval service as approval.answered / decision.answered.
const AuditSlackVote = "slack.vote"

func (h *Handler) auditVote(ctx context.Context, c Click, res store.VoteResult) {
	detail, _ := json.Marshal(map[string]any{
		"approval": c.ApprovalID, "via": "slack", "approve": c.Approve, "answer": c.Answer,
		"completed": res.Completed, "status": res.Approval.Status, "slackUserName": c.UserName,
		"slackTeam": c.Team, "channel": c.Channel, "messageTs": c.MessageTS,
	})
	_, err := h.cfg.Store.AppendAudit(ctx, store.AuditRecord{
		Execution: res.Approval.Execution, Actor: "slack:" + c.User, Action: AuditSlackVote, Detail: detail,
		Key: "vote:" + c.ApprovalID + ":slack:" + c.User,
	})
	if err != nil {
		// The vote stands (the store holds it in the approval); the log
		// says the audit line is missing.
		h.log.ErrorContext(ctx, "auditing vote", "approval", c.ApprovalID, "error", err.Error())
	}
}

// RunFollowUp updates the approval's message and posts the ephemeral note.
// Failures are logged (and a failed update audited by the Poster).
func (h *Handler) RunFollowUp(ctx context.Context, f FollowUp) {
	if h.cfg.Poster == nil {
		return
	}
	if f.Text != "" && f.Channel != "" && f.User != "" {
		if err := h.cfg.Poster.Ephemeral(ctx, f.Channel, f.User, f.Text); err != nil {
			h.log.WarnContext(ctx, "ephemeral note", "error", err.Error())
		}
	}
	if f.Approval == "" {
		return
	}
	if err := UpdateMessage(ctx, h.cfg.Store, h.cfg.Poster, f.Approval); err != nil {
		h.log.WarnContext(ctx, "updating approval message", "approval", f.Approval, "error", err.Error())
	}
}

// UpdateMessage re-renders approval id's Slack message from the store,
// retrying per the Poster. The API path calls it too, so an approval given
// while Slack is down shows up in Slack when Slack is back.
func UpdateMessage(ctx context.Context, st HandlerStore, p *Poster, id string) error {
	a, err := st.GetApproval(ctx, id)
	if err != nil {
		return fmt.Errorf("updating message of approval %s: %w", id, err)
	}
	if a.Message.TS == "" {
		return nil
	}
	r, err := RequestFor(ctx, st, a)
	if err != nil {
		return err
	}
	return p.UpdateWithRetry(ctx, r)
}

// GoDeferrer runs follow-ups on a goroutine after the response (`dev
// serve`).
type GoDeferrer struct {
	// Run is the follow-up runner, usually Handler.RunFollowUp.
	Run func(context.Context, FollowUp)
	// Clock starts the goroutine (so a virtual clock accounts for it).
	Clock clock.Clock
	// Timeout bounds one follow-up (0: 2 minutes).
	Timeout time.Duration
}

// Defer runs f on its own goroutine, detached from the request's context.
func (d GoDeferrer) Defer(ctx context.Context, f FollowUp) {
	ctx = context.WithoutCancel(ctx)
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	d.Clock.Go(func() {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		d.Run(ctx, f)
	})
}
