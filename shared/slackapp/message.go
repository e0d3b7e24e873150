package slackapp

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/store"
)

// Action ids of the buttons. A button's value is only the approval id.
const (
	ActionApprove    = "switchyard.approve"
	ActionReject     = "switchyard.reject"
	ActionRetry      = "switchyard.decision.retry"
	ActionSkip       = "switchyard.decision.skip"
	ActionUngraceful = "switchyard.decision.ungraceful"
	ActionAbort      = "switchyard.decision.abort"
)

// DecisionOptions are the answers an operator decision offers, in button
// order.
var DecisionOptions = []string{"retry", "skip", "ungraceful", "abort"}

// Request is what an approval or decision message shows besides the
// approval itself.
type Request struct {
	// Approval is the stored approval (ID, Kind, Plan, Execution, Step,
	// Quorum, ExpiresAt, and its current Status and Approvers).
	Approval store.Approval
	// Source and Target are the Regions left and entered; Mode graceful or
	// ungraceful.
	Source, Target string
	Mode           store.Mode
	// StartedBy is who or what started the execution; Reason why (for a
	// trigger, the alarm).
	StartedBy, Reason string
	// Readiness is the readiness summary line; Ready its verdict.
	Readiness string
	Ready     bool
	// Lag is the replication lag last measured, LagKnown whether it was; RPO
	// the plan's objective. Ungraceful mode may lose up to Lag of writes.
	Lag      time.Duration
	LagKnown bool
	RPO      time.Duration
	// StepError is the failed step's error (decisions).
	StepError string
}

// Blocks renders the message for r in its current state: with buttons while
// the approval is pending, with the outcome once it is not.
func Blocks(r Request) []slack.Block {
	a := r.Approval
	title := fmt.Sprintf("Approve recovery of %s to %s?", a.Plan, r.Target)
	if a.Kind == store.KindDecision {
		title = fmt.Sprintf("Step %s of %s failed: decide", a.Step, a.Plan)
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(truncate(title, 150))),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			mrkdwn("*Plan*\n" + escape(a.Plan)),
			mrkdwn("*Regions*\n" + escape(orDash(r.Source)) + " → " + escape(orDash(r.Target))),
			mrkdwn("*Mode*\n" + escape(orDash(string(r.Mode)))),
			mrkdwn("*Execution*\n`" + escape(a.Execution) + "`"),
			mrkdwn("*Started by*\n" + escape(orDash(r.StartedBy))),
			mrkdwn("*Why*\n" + escape(orDash(r.Reason))),
		}, nil),
	}
	ready := "not evaluated"
	if r.Readiness != "" {
		mark := ":x: not ready"
		if r.Ready {
			mark = ":white_check_mark: ready"
		}
		ready = mark + ": " + escape(r.Readiness)
	}
	lag := "replication lag unknown"
	if r.LagKnown {
		lag = fmt.Sprintf("replication lag %s (RPO objective %s): an ungraceful failover may lose up to %s of writes", r.Lag, r.RPO, r.Lag)
	} else if r.RPO > 0 {
		lag = fmt.Sprintf("replication lag unknown (RPO objective %s)", r.RPO)
	}
	blocks = append(blocks, slack.NewSectionBlock(mrkdwn("*Readiness* "+ready+"\n*Data at stake* "+lag), nil, nil))
	if r.StepError != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("*Error*\n```"+escape(truncate(r.StepError, 2500))+"```"), nil, nil))
	}
	if a.Status == store.ApprovalPending || a.Status == "" {
		need := ""
		if a.Kind != store.KindDecision {
			need = fmt.Sprintf("Needs %d approver(s)", max(a.Quorum, 1))
			if n := len(a.Approvers); n > 0 {
				need += fmt.Sprintf(" (%d so far: %s)", n, mentions(a.Approvers))
			}
			need += ". "
		}
		blocks = append(blocks,
			slack.NewContextBlock("", mrkdwn(need+"Expires "+slackDate(a.ExpiresAt)+". Also answerable with `switchyard approve` or the API.")),
			slack.NewActionBlock("switchyard.actions", buttons(a)...),
		)
		return blocks
	}
	return append(blocks, slack.NewContextBlock("", mrkdwn(Outcome(a))))
}

// Outcome says how an approval ended, for the updated message: who, what,
// when.
func Outcome(a store.Approval) string {
	when := slackDate(a.DecidedAt)
	switch a.Status {
	case store.ApprovalApproved:
		return ":white_check_mark: Approved by " + mentions(a.Approvers) + " at " + when + noteSuffix(a.Note)
	case store.ApprovalRejected:
		return ":no_entry: Rejected by " + mention(a.DecidedBy) + " at " + when + noteSuffix(a.Note)
	case store.ApprovalAnswered:
		return ":arrow_right: " + mention(a.DecidedBy) + " chose *" + escape(a.Answer) + "* at " + when + noteSuffix(a.Note)
	case store.ApprovalExpired:
		return ":hourglass: Expired at " + slackDate(a.ExpiresAt) + " with no decision: the execution ends without changes from this step."
	}
	return "Status: " + escape(string(a.Status))
}

func buttons(a store.Approval) []slack.BlockElement {
	if a.Kind == store.KindDecision {
		ids := map[string]string{"retry": ActionRetry, "skip": ActionSkip, "ungraceful": ActionUngraceful, "abort": ActionAbort}
		var out []slack.BlockElement
		for _, opt := range DecisionOptions {
			if len(a.Options) > 0 && !contains(a.Options, opt) {
				continue
			}
			b := slack.NewButtonBlockElement(ids[opt], a.ID, plain(strings.ToUpper(opt[:1])+opt[1:]))
			if opt == "abort" {
				b.Style = slack.StyleDanger
			}
			out = append(out, b)
		}
		return out
	}
	approve := slack.NewButtonBlockElement(ActionApprove, a.ID, plain("Approve"))
	approve.Style = slack.StylePrimary
	reject := slack.NewButtonBlockElement(ActionReject, a.ID, plain("Reject"))
	reject.Style = slack.StyleDanger
	return []slack.BlockElement{approve, reject}
}

// FallbackText is the notification text of the message (and what clients
// without Block Kit show).
func FallbackText(r Request) string {
	a := r.Approval
	if a.Kind == store.KindDecision {
		return fmt.Sprintf("Switchyard: step %s of %s failed, decision needed (%s)", a.Step, a.Plan, a.Status)
	}
	return fmt.Sprintf("Switchyard: approve recovery of %s to %s? (%s)", a.Plan, r.Target, a.Status)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// escape neutralizes Slack's control characters in user-supplied text.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func mention(u string) string {
	if u == "" {
		return "someone"
	}
	if isSlackID(u) {
		return "<@" + u + ">"
	}
	return escape(u)
}

func mentions(us []string) string {
	if len(us) == 0 {
		return "nobody"
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = mention(u)
	}
	return strings.Join(out, ", ")
}

func noteSuffix(n string) string {
	if n == "" {
		return "."
	}
	return `: "` + escape(truncate(n, 500)) + `"`
}

// slackDate renders t in each reader's time zone, with a UTC fallback.
func slackDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format(time.RFC3339))
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
