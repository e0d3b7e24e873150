package slackapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// MaxSkew is how far a request's timestamp may be from now (Slack's rule).
const MaxSkew = 5 * time.Minute

// The request headers Slack signs with.
const (
	HeaderSignature = "X-Slack-Signature"
	HeaderTimestamp = "X-Slack-Request-Timestamp"
	HeaderRetryNum  = "X-Slack-Retry-Num"
)

var (
	// ErrBadSignature means the signature is missing, malformed or wrong.
	ErrBadSignature = errors.New("slack request signature is missing or invalid")
	// ErrStaleTimestamp means the timestamp is missing, malformed or more
	// than MaxSkew from now.
	ErrStaleTimestamp = errors.New("slack request timestamp is missing or outside the 5-minute window")
	// ErrReplay means the same signed request was already accepted.
	ErrReplay = errors.New("slack request was already received (replay)")
)

// Verifier checks Slack's v0 request signatures: HMAC-SHA256 of
// "v0:" + timestamp + ":" + body with the app's signing secret, hex encoded
// after "v0=".
//
// It is hand-written rather than slack.NewSecretsVerifier because that one
// reads the wall clock (time.Since) for the 5-minute window: Switchyard
// injects a clock so the window follows the local engine's virtual time and
// can be tested exactly. The comparison is hmac.Equal (constant time), as in
// slack-go; a differential test checks both agree.
type Verifier struct {
	secret []byte
	clock  clock.Clock
}

// NewVerifier returns a Verifier for the signing secret, judging timestamps
// by clk.
func NewVerifier(signingSecret string, clk clock.Clock) (*Verifier, error) {
	if signingSecret == "" {
		return nil, errors.New("slack signing secret is empty (set it from the Slack app's Basic Information page)")
	}
	return &Verifier{secret: []byte(signingSecret), clock: clk}, nil
}

// Verify checks the request's timestamp and signature over body. It returns
// ErrStaleTimestamp or ErrBadSignature (wrapped) when the request must be
// refused.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not Unix seconds", ErrStaleTimestamp, HeaderTimestamp, truncate(ts, 20))
	}
	if d := v.clock.Now().Sub(time.Unix(sec, 0)).Abs(); d > MaxSkew {
		return fmt.Errorf("%w: %s is %s from now", ErrStaleTimestamp, HeaderTimestamp, d.Round(time.Second))
	}
	hexSig, ok := strings.CutPrefix(h.Get(HeaderSignature), "v0=")
	if !ok {
		return fmt.Errorf("%w: %s must start with v0=", ErrBadSignature, HeaderSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: %s is not 64 hex digits after v0=", ErrBadSignature, HeaderSignature)
	}
	if !hmac.Equal(got, v.sign(ts, body)) {
		return fmt.Errorf("%w: HMAC mismatch", ErrBadSignature)
	}
	return nil
}

func (v *Verifier) sign(ts string, body []byte) []byte {
	m := hmac.New(sha256.New, v.secret)
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the X-Slack-Signature value for a body sent at ts: what Slack
// computes. Tests and `dev serve` demos use it to click like Slack does.
func Sign(signingSecret string, ts int64, body []byte) string {
	v := &Verifier{secret: []byte(signingSecret)}
	return "v0=" + hex.EncodeToString(v.sign(strconv.FormatInt(ts, 10), body))
}

// ReplayGuard remembers the signatures of accepted requests for the
// timestamp window, so the same signed request is not acted on twice.
//
// It is in memory, per process (per Lambda execution environment): a replay
// reaching another warm instance is not caught here. That is acceptable
// because every effect behind it is idempotent in the store (a user's vote
// counts once, quorum completes once); the guard only saves work and makes
// replays visible. A store-backed guard would need a conditional put keyed
// by signature with a TTL, which the store does not offer yet.
type ReplayGuard struct {
	clock clock.Clock
	ttl   time.Duration

	mu   sync.Mutex
	seen map[string]time.Time // signature → forget after
}

// NewReplayGuard returns a guard remembering signatures for ttl (use at
// least 2×MaxSkew: a timestamp may be MaxSkew in the future).
func NewReplayGuard(clk clock.Clock, ttl time.Duration) *ReplayGuard {
	return &ReplayGuard{clock: clk, ttl: ttl, seen: map[string]time.Time{}}
}

// Seen records sig and reports whether it had been recorded before (and not
// yet forgotten).
func (g *ReplayGuard) Seen(sig string) bool {
	now := g.clock.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.seen) > 1024 {
		for k, until := range g.seen {
			if now.After(until) {
				delete(g.seen, k)
			}
		}
	}
	if until, ok := g.seen[sig]; ok && !now.After(until) {
		return true
	}
	g.seen[sig] = now.Add(g.ttl)
	return false
}

// Forget removes sig, so a request refused after Seen (say, the store was
// unavailable) can be retried by Slack.
func (g *ReplayGuard) Forget(sig string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.seen, sig)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
