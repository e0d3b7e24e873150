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
	// The plans are validated one by one and as a set; a bad plan fails
	// synth with the validator's messages (FILE:LINE:COL: path: message).
	plans, err := controlplane.LoadPlans(cfg.PlansPath())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		log.Error("synth failed: invalid plans", "dir", cfg.PlansPath())
		return 1
	}
	if len(plans.Plans) == 0 {
		log.Warn("no plan files; the stacks deliver no plans and the plan execution role has no permissions", "dir", cfg.PlansPath())
	}
	if err := controlplane.CheckPlanDeliveryBinary(cfg.FunctionsBinDir, plans); err != nil {
		log.Error("synth failed", "err", err)
		return 1
	}
	if _, err := controlplane.Build(app, cfg, src, plans); err != nil {
		log.Error("synth failed", "err", err)
		return 1
	}

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
		"rules", len(src.Rules), "schedules", len(src.Schedules), "plans", plans.Fingerprints(), "outdir", *asm.Directory())
	return 0
}
