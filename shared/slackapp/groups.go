package slackapp

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// GroupsAPI is the part of the Slack Web API that resolves user groups.
type GroupsAPI interface {
	// GetUserGroupMembersContext calls usergroups.users.list.
	GetUserGroupMembersContext(ctx context.Context, group string, opts ...slack.GetUserGroupMembersOption) ([]string, error)
}

var _ GroupsAPI = (*slack.Client)(nil)

var slackIDRE = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)

func isSlackID(s string) bool { return slackIDRE.MatchString(s) }

// Authorizer decides whether a Slack user is among a plan's approvers: user
// ids (U…, W…) match directly, user groups (S…) through their members, which
// are cached for a TTL.
type Authorizer struct {
	api   GroupsAPI
	clock clock.Clock
	ttl   time.Duration

	mu    sync.Mutex
	cache map[string]groupEntry
}

type groupEntry struct {
	members []string
	until   time.Time
}

// NewAuthorizer returns an Authorizer resolving groups with api and keeping
// members for ttl. A nil api makes every group empty (no group approver).
func NewAuthorizer(api GroupsAPI, clk clock.Clock, ttl time.Duration) *Authorizer {
	return &Authorizer{api: api, clock: clk, ttl: ttl, cache: map[string]groupEntry{}}
}

// IsApprover reports whether user is listed in approvers directly or through
// a user group. A group that cannot be resolved is an error unless the user
// matched otherwise or a cached (even expired) member list exists: refusing
// is safe, approving on a guess is not.
func (a *Authorizer) IsApprover(ctx context.Context, user string, approvers []string) (bool, error) {
	if user == "" {
		return false, nil
	}
	if slices.Contains(approvers, user) && !strings.HasPrefix(user, "S") {
		return true, nil
	}
	var firstErr error
	for _, g := range approvers {
		if !strings.HasPrefix(g, "S") {
			continue
		}
		members, err := a.members(ctx, g)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if slices.Contains(members, user) {
			return true, nil
		}
	}
	return false, firstErr
}

func (a *Authorizer) members(ctx context.Context, group string) ([]string, error) {
	now := a.clock.Now()
	a.mu.Lock()
	e, ok := a.cache[group]
	a.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.members, nil
	}
	if a.api == nil {
		return nil, nil
	}
	members, err := a.api.GetUserGroupMembersContext(ctx, group)
	if err != nil {
		if ok {
			return e.members, nil // stale but real: better than refusing everyone while Slack hiccups
		}
		return nil, fmt.Errorf("resolving Slack user group %s (usergroups.users.list): %w", group, err)
	}
	a.mu.Lock()
	a.cache[group] = groupEntry{members: members, until: now.Add(a.ttl)}
	a.mu.Unlock()
	return members, nil
}
