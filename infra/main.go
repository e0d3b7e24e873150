package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/switchyard-dev/switchyard/infra/controlplane"
)

func main() { os.Exit(run()) }

func run() int {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	app := awscdk.NewApp(nil)
	cfg, err := controlplane.ConfigFromContext(controlplane.ContextGetter(app), os.Getenv)
	if err != nil {
		log.Error("synth failed", "err", err)
		return 1
	}
	src, err := controlplane.LoadSources(cfg.RepoRoot)
	if err != nil {
		log.Error("synth failed", "err", err)
		return 1
	}
	if err := controlplane.CheckBinaries(cfg.FunctionsBinDir, src.Functions); err != nil {
		log.Error("synth failed", "err", err)
		return 1
	}
	// Issue 7 item 3 plugs in here: validate the plans under the configured
	// directory (a bad plan fails synth with the validator's messages) and
	// derive the plan execution role's permissions from them.
	var perms controlplane.PlanPermissions
	controlplane.Build(app, cfg, src, perms)

	asm := app.Synth(nil)
	if errs := controlplane.NagErrors(asm); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, e)
		}
		log.Error("synth failed: unsuppressed errors (cdk-nag AwsSolutions or CDK)", "count", len(errs))
		return 1
	}
	for _, p := range src.Pending {
		log.Warn("state machine not deployed yet", "file", p.Path, "waitsFor", p.Missing)
	}
	log.Info("synthesized", "regions", cfg.Regions, "functions", len(src.Functions),
		"stateMachines", len(src.StateMachines), "pendingStateMachines", len(src.Pending),
		"rules", len(src.Rules), "schedules", len(src.Schedules), "outdir", *asm.Directory())
	return 0
}
