package sim

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Event is an AWS event in the EventBridge envelope, as the world emits it
// at the (clock) moment it happens.
type Event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// Subscribe registers f to receive every event, in order, from a goroutine
// the clock tracks. f may call back into the world.
func (w *World) Subscribe(f func(Event)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.subscribers = append(w.subscribers, f)
}

// emit queues an event; lock held.
func (w *World) emit(t time.Time, region, source, detailType string, resources []string, detail any) {
	raw, err := json.Marshal(detail)
	if err != nil {
		raw = json.RawMessage(`{}`)
	}
	w.eventSeq++
	w.outbox = append(w.outbox, Event{Version: "0", ID: fmt.Sprintf("sim-%08d", w.eventSeq), DetailType: detailType,
		Source: source, Account: w.account, Time: t.UTC(), Region: region, Resources: resources, Detail: raw})
}

// drain delivers queued events one at a time, in order, outside the lock.
func (w *World) drain() {
	w.mu.Lock()
	if w.delivering {
		w.mu.Unlock()
		return
	}
	w.delivering = true
	for len(w.outbox) > 0 {
		ev := w.outbox[0]
		w.outbox = w.outbox[1:]
		subs := slices.Clone(w.subscribers)
		w.mu.Unlock()
		for _, f := range subs {
			f(ev)
		}
		w.mu.Lock()
	}
	w.delivering = false
	w.mu.Unlock()
}
