package controlplane

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Context keys the app reads (`cdk synth -c key=value`, or cdk.json "context").
const (
	// ContextRegions is a comma-separated list of Regions, one stack each.
	ContextRegions = "regions"
	// ContextAccount is the 12-digit AWS account every stack deploys to.
	ContextAccount = "account"
	// ContextReadinessMinutes overrides the readiness schedule's rate, in
	// minutes.
	ContextReadinessMinutes = "readinessMinutes"
	// ContextRepoRoot is the directory holding functions/, statemachines/ and
	// events/rules/ (default: the working directory, where cdk.json lives).
	ContextRepoRoot = "repoRoot"
	// ContextFunctionsBinDir is where the prebuilt bootstraps live, as
	// DIR/<function>/bootstrap (default build/functions).
	ContextFunctionsBinDir = "functionsBinDir"
	// ContextPrefix names the stacks and the named resources (default
	// Switchyard): stack "<prefix>-<region>", bus "<prefix>", table
	// "<prefix>" (Config.TableName), state machines "<prefix>-<name>".
	ContextPrefix = "prefix"
	// ContextPlans is the directory of the recovery plans to validate and
	// deliver to every Region (default examples/plans; relative paths are
	// relative to repoRoot).
	ContextPlans = "plans"
	// ContextPeerReads opts into cross-Region reads of the peer tables'
	// plan versions (Config.PeerReads).
	ContextPeerReads = "peerReads"
)

// Defaults for the optional context keys.
const (
	DefaultReadinessInterval = 5 * time.Minute
	DefaultFunctionsBinDir   = "build/functions"
	DefaultPrefix            = "Switchyard"
	DefaultPlansDir          = "examples/plans"
)

// Config is what the app needs to know beyond the repository's files.
type Config struct {
	// Account is the AWS account of every stack.
	Account string
	// Regions lists the Regions to deploy to, in the order given; each gets
	// its own independent stack.
	Regions []string
	// ReadinessInterval overrides the readiness schedule's rate (whole
	// minutes); zero keeps events/schedules/readiness.json's expression, or
	// DefaultReadinessInterval when that file is absent.
	ReadinessInterval time.Duration
	// RepoRoot holds functions/, statemachines/ and events/rules/.
	RepoRoot string
	// FunctionsBinDir holds <function>/bootstrap for every function.
	FunctionsBinDir string
	// Prefix names stacks and named resources.
	Prefix string
	// PeerReads lets the readiness and trigger functions read the plan
	// versions in the other configured Regions' tables (context peerReads=
	// true). Off by default: then no template names another Region (beyond
	// the plans' own resources), and readiness compares versions only where
	// an operator runs it with access to every Region.
	PeerReads bool
	// PlansDir holds the plans (*.yaml, *.yml, *.json) validated at synth
	// and delivered to every Region's table; relative to RepoRoot unless
	// absolute. See PlansPath.
	PlansDir string
}

// TableName is the name of every Region's Switchyard table: the prefix
// (DynamoDB table names are per Region and account, so each Region's
// table can carry the same name, and a Region names its peers' tables
// from the configuration alone: PeerTableNames).
func (c Config) TableName() string { return c.Prefix }

// PlansPath is PlansDir resolved against RepoRoot.
func (c Config) PlansPath() string {
	if filepath.IsAbs(c.PlansDir) {
		return c.PlansDir
	}
	return filepath.Join(c.RepoRoot, c.PlansDir)
}

var (
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	prefixRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,31}$`)
)

// ConfigFromContext reads the configuration through get, which returns a
// context value and whether it is set (the app passes the CDK context;
// tests pass a map). env supplies CDK_DEFAULT_ACCOUNT when no account is in
// context. Every problem is reported at once.
func ConfigFromContext(get func(key string) (string, bool), env func(string) string) (Config, error) {
	cfg := Config{
		RepoRoot:        ".",
		FunctionsBinDir: DefaultFunctionsBinDir,
		Prefix:          DefaultPrefix,
		PlansDir:        DefaultPlansDir,
	}
	var errs []error

	account, ok := get(ContextAccount)
	if !ok || account == "" {
		account = env("CDK_DEFAULT_ACCOUNT")
	}
	switch {
	case account == "":
		errs = append(errs, fmt.Errorf("context %q: missing (pass -c %s=123456789012; it is the 12-digit account every Region's stack deploys to)", ContextAccount, ContextAccount))
	case !accountRE.MatchString(account):
		errs = append(errs, fmt.Errorf("context %q: %q is not an AWS account id (12 digits)", ContextAccount, account))
	}
	cfg.Account = account

	regions, ok := get(ContextRegions)
	if !ok || strings.TrimSpace(regions) == "" {
		errs = append(errs, fmt.Errorf("context %q: missing (pass -c %s=us-east-1,us-west-2: a comma-separated list of Region names)", ContextRegions, ContextRegions))
	} else {
		for i, r := range strings.Split(regions, ",") {
			r = strings.TrimSpace(r)
			switch {
			case !regionRE.MatchString(r):
				errs = append(errs, fmt.Errorf("context %q: item %d %q is not an AWS Region name (like us-east-1)", ContextRegions, i+1, r))
			case slices.Contains(cfg.Regions, r):
				errs = append(errs, fmt.Errorf("context %q: Region %q is listed twice (each Region gets exactly one stack)", ContextRegions, r))
			default:
				cfg.Regions = append(cfg.Regions, r)
			}
		}
	}

	if v, ok := get(ContextReadinessMinutes); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1440 {
			errs = append(errs, fmt.Errorf("context %q: %q is not a whole number of minutes between 1 and 1440", ContextReadinessMinutes, v))
		} else {
			cfg.ReadinessInterval = time.Duration(n) * time.Minute
		}
	}
	if v, ok := get(ContextRepoRoot); ok && v != "" {
		cfg.RepoRoot = v
	}
	if v, ok := get(ContextFunctionsBinDir); ok && v != "" {
		cfg.FunctionsBinDir = v
	}
	if v, ok := get(ContextPeerReads); ok && strings.TrimSpace(v) != "" {
		switch strings.TrimSpace(v) {
		case "true":
			cfg.PeerReads = true
		case "false":
		default:
			errs = append(errs, fmt.Errorf("context %q: %q is not true or false", ContextPeerReads, v))
		}
	}
	if v, ok := get(ContextPlans); ok && strings.TrimSpace(v) != "" {
		cfg.PlansDir = strings.TrimSpace(v)
	}
	if v, ok := get(ContextPrefix); ok && v != "" {
		if !prefixRE.MatchString(v) {
			errs = append(errs, fmt.Errorf("context %q: %q must be a letter followed by up to 31 letters or digits", ContextPrefix, v))
		} else {
			cfg.Prefix = v
		}
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuring the Switchyard app: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// StackName is the name of the stack for region.
func (c Config) StackName(region string) string { return c.Prefix + "-" + region }
