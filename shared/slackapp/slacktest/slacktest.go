// Package slacktest is a fake Slack Web API for tests and local demos: it
// answers the methods Switchyard calls (chat.postMessage, chat.update,
// chat.postEphemeral, usergroups.users.list), remembers every message, and
// can be taken down to play Slack's outage. Point slack-go at it with
// slack.OptionAPIURL(server.URL() + "/api/").
package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Message is a message as the fake holds it.
type Message struct {
	// Channel and TS identify it.
	Channel, TS string
	// Text is the fallback text; Blocks the Block Kit JSON as sent.
	Text   string
	Blocks string
	// Updates counts chat.update calls applied to it.
	Updates int
}

// Ephemeral is one chat.postEphemeral call.
type Ephemeral struct {
	Channel, User, Text string
}

// Server is the fake Slack. Its zero value is not usable: call New.
type Server struct {
	srv *httptest.Server

	mu         sync.Mutex
	down       bool
	failNext   int
	seq        int
	messages   map[string]*Message // channel/ts
	order      []string
	ephemerals []Ephemeral
	groups     map[string][]string
	calls      map[string]int
}

// New starts a fake Slack; Close it when done.
func New() *Server {
	s := &Server{messages: map[string]*Message{}, groups: map[string][]string{}, calls: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// APIURL is the value for slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetDown makes every call fail with 503 (true) or work again (false).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetGroup sets a user group's members.
func (s *Server) SetGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = members
}

// FailNext makes the next n calls fail with 503, then Slack works again.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Messages returns the messages, in posting order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, *s.messages[k])
	}
	return out
}

// Ephemerals returns the ephemeral messages posted.
func (s *Server) Ephemerals() []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ephemeral(nil), s.ephemerals...)
}

// Calls returns how many times method was called (failed calls included).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
	if s.failNext > 0 {
		s.failNext--
		http.Error(w, "slack is having a moment", http.StatusServiceUnavailable)
		return
	}
	if s.down {
		http.Error(w, "slack is down", http.StatusServiceUnavailable)
		return
	}
	f := r.Form.Get
	switch method {
	case "chat.postMessage":
		if f("channel") == "" {
			reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
			return
		}
		s.seq++
		m := &Message{Channel: f("channel"), TS: fmt.Sprintf("1700000000.%06d", s.seq), Text: f("text"), Blocks: f("blocks")}
		k := m.Channel + "/" + m.TS
		s.messages[k] = m
		s.order = append(s.order, k)
		reply(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS})
	case "chat.update":
		m, ok := s.messages[f("channel")+"/"+f("ts")]
		if !ok {
			reply(w, map[string]any{"ok": false, "error": "message_not_found"})
			return
		}
		m.Text, m.Blocks = f("text"), f("blocks")
		m.Updates++
		reply(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text})
	case "chat.postEphemeral":
		s.ephemerals = append(s.ephemerals, Ephemeral{Channel: f("channel"), User: f("user"), Text: f("text")})
		reply(w, map[string]any{"ok": true, "message_ts": "1700000000.999999"})
	case "usergroups.users.list":
		members, ok := s.groups[f("usergroup")]
		if !ok {
			reply(w, map[string]any{"ok": false, "error": "no_such_subteam"})
			return
		}
		reply(w, map[string]any{"ok": true, "users": members})
	default:
		reply(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
