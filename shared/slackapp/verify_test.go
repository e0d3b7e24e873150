package slackapp

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// Slack's published example, from "Verifying requests from Slack"
// (docs.slack.dev/authentication/verifying-requests-from-slack).
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = 1531420618
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func headers(ts, sig string) http.Header {
	h := http.Header{}
	if ts != "" {
		h.Set(HeaderTimestamp, ts)
	}
	if sig != "" {
		h.Set(HeaderSignature, sig)
	}
	return h
}

func TestVerify(t *testing.T) {
	docTS := strconv.Itoa(docTimestamp)
	at := func(d time.Duration) clock.Clock { return clock.NewVirtual(time.Unix(docTimestamp, 0).Add(d)) }
	tests := []struct {
		name    string
		now     clock.Clock
		secret  string
		h       http.Header
		body    string
		wantErr error
	}{
		{"Slack's published example", at(0), docSecret, headers(docTS, docSignature), docBody, nil},
		{"4m59s late still in window", at(4*time.Minute + 59*time.Second), docSecret, headers(docTS, docSignature), docBody, nil},
		{"5m1s late is stale", at(5*time.Minute + time.Second), docSecret, headers(docTS, docSignature), docBody, ErrStaleTimestamp},
		{"5m1s early is stale", at(-5*time.Minute - time.Second), docSecret, headers(docTS, docSignature), docBody, ErrStaleTimestamp},
		{"missing timestamp", at(0), docSecret, headers("", docSignature), docBody, ErrStaleTimestamp},
		{"non-numeric timestamp", at(0), docSecret, headers("15314206l8", docSignature), docBody, ErrStaleTimestamp},
		{"other timestamp breaks the signature", at(0), docSecret, headers(strconv.Itoa(docTimestamp+1), docSignature), docBody, ErrBadSignature},
		{"tampered body", at(0), docSecret, headers(docTS, docSignature), docBody + "&x=1", ErrBadSignature},
		{"wrong secret", at(0), docSecret + "x", headers(docTS, docSignature), docBody, ErrBadSignature},
		{"missing signature", at(0), docSecret, headers(docTS, ""), docBody, ErrBadSignature},
		{"v1 prefix", at(0), docSecret, headers(docTS, "v1="+docSignature[3:]), docBody, ErrBadSignature},
		{"short signature", at(0), docSecret, headers(docTS, docSignature[:40]), docBody, ErrBadSignature},
		{"non-hex signature", at(0), docSecret, headers(docTS, "v0=zz"+docSignature[5:]), docBody, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(tt.secret, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			err = v.Verify(tt.h, []byte(tt.body))
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSignMatchesSlackExample(t *testing.T) {
	if got := Sign(docSecret, docTimestamp, []byte(docBody)); got != docSignature {
		t.Fatalf("Sign = %s, want %s", got, docSignature)
	}
}

// TestVerifyAgreesWithSlackGo checks the hand-written verifier against
// slack-go's on fresh timestamps (slack-go reads the wall clock).
func TestVerifyAgreesWithSlackGo(t *testing.T) {
	now := time.Now()
	ts := now.Unix()
	good := Sign("s3cret", ts, []byte("payload=x"))
	tests := []struct {
		name string
		sig  string
		body string
		ts   int64
	}{
		{"valid", good, "payload=x", ts},
		{"tampered", good, "payload=y", ts},
		{"old", Sign("s3cret", ts-600, []byte("payload=x")), "payload=x", ts - 600},
		{"garbage", "v0=00", "payload=x", ts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := headers(strconv.FormatInt(tt.ts, 10), tt.sig)
			ours, _ := NewVerifier("s3cret", clock.NewVirtual(now))
			oursOK := ours.Verify(h, []byte(tt.body)) == nil
			sv, err := slack.NewSecretsVerifier(h, "s3cret")
			theirsOK := err == nil
			if err == nil {
				_, _ = sv.Write([]byte(tt.body))
				theirsOK = sv.Ensure() == nil
			}
			if oursOK != theirsOK {
				t.Fatalf("ours accepts=%v, slack-go accepts=%v", oursOK, theirsOK)
			}
		})
	}
}

func TestNewVerifierRefusesEmptySecret(t *testing.T) {
	if _, err := NewVerifier("", clock.Real{}); err == nil {
		t.Fatal("empty signing secret accepted")
	}
}

func TestReplayGuard(t *testing.T) {
	clk := clock.NewVirtual(time.Unix(1_700_000_000, 0))
	g := NewReplayGuard(clk, 10*time.Minute)
	if g.Seen("a") {
		t.Fatal("first sight reported as seen")
	}
	if !g.Seen("a") {
		t.Fatal("second sight not reported")
	}
	if g.Seen("b") {
		t.Fatal("other signature reported as seen")
	}
	g.Forget("b")
	if g.Seen("b") {
		t.Fatal("forgotten signature reported as seen")
	}
	clk.Advance(10*time.Minute + time.Second)
	if g.Seen("a") {
		t.Fatal("signature remembered past its TTL")
	}
}
