package blocks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// esmAPI is the part of Lambda the event-source-mapping block calls. The
// SDK's *lambda.Client has it; awsapi.Lambda does not list it yet, so the
// block asks the Region's Lambda client for it with a type assertion.
type esmAPI interface {
	GetEventSourceMapping(ctx context.Context, in *lambda.GetEventSourceMappingInput, opts ...func(*lambda.Options)) (*lambda.GetEventSourceMappingOutput, error)
	UpdateEventSourceMapping(ctx context.Context, in *lambda.UpdateEventSourceMappingInput, opts ...func(*lambda.Options)) (*lambda.UpdateEventSourceMappingOutput, error)
}

var _ esmAPI = (*lambda.Client)(nil)

// eventSourceMapping enables or disables Lambda event source mappings (ARN,
// or UUID in the target Region): it reads each mapping's State and updates
// only those not already in (or moving to) the wanted state; Done when all
// report Enabled (Disabled). Mappings in the source Region are skipped in
// ungraceful mode (recorded, not fatal). When the Region's Lambda client
// has no event-source-mapping calls (the simulator), nothing is changed and
// the step completes with unsupported=true in its outputs.
type eventSourceMapping struct{ *deps }

func esmRef(req Request, m string) (region, uuid string) {
	if strings.HasPrefix(m, "arn:") {
		return arnRegion(m), m[strings.LastIndex(m, ":")+1:]
	}
	return req.Target, m
}

func (b *eventSourceMapping) Start(ctx context.Context, req Request) (Progress, error) {
	cfg, err := configOf[*plan.EventSourceMapping](req)
	if err != nil {
		return Progress{}, err
	}
	enable := cfg.State == "enabled"
	want, moving := "Enabled", "Enabling"
	if !enable {
		want, moving = "Disabled", "Disabling"
	}
	var pending, skipped, unsupported []string
	changed := 0
	for _, m := range cfg.Mappings {
		region, uuid := esmRef(req, m)
		if req.Mode == Ungraceful && region == req.Source {
			skipped = append(skipped, uuid)
			continue
		}
		api, ok := b.clients.Lambda(region).(esmAPI)
		if !ok {
			unsupported = append(unsupported, uuid)
			continue
		}
		got, err := api.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)})
		if err != nil {
			return Progress{}, errclass.Classify(fmt.Sprintf("reading event source mapping %s in %s", uuid, region), err)
		}
		switch st := aws.ToString(got.State); st {
		case want:
			continue
		case moving, "Updating", "Creating":
			pending = append(pending, uuid+" "+st)
			continue
		}
		if _, err := api.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(enable)}); err != nil {
			return Progress{}, errclass.Classify(fmt.Sprintf("setting event source mapping %s in %s to %s", uuid, region, cfg.State), err)
		}
		changed++
		pending = append(pending, uuid+" "+moving)
	}
	out := map[string]any{"changed": changed}
	if len(skipped) > 0 {
		out["skipped"] = skipped
	}
	if len(unsupported) > 0 {
		out["unsupported"] = unsupported
	}
	if len(pending) > 0 {
		return Progress{PollAfter: 10 * time.Second, Outputs: out, Message: "waiting for " + strings.Join(pending, ", ")}, nil
	}
	msg := fmt.Sprintf("%d mapping(s) %s", len(cfg.Mappings)-len(skipped)-len(unsupported), cfg.State)
	if len(unsupported) > 0 {
		msg += fmt.Sprintf("; %d not changed: this Lambda client has no event-source-mapping calls", len(unsupported))
	}
	if len(skipped) > 0 {
		msg += fmt.Sprintf("; %d in the source Region skipped (ungraceful)", len(skipped))
	}
	return Progress{Done: true, Outputs: out, Message: msg}, nil
}

func (b *eventSourceMapping) Poll(ctx context.Context, req Request) (Progress, error) {
	return b.Start(ctx, req)
}

// Check: every mapping can be read (a warning when the client cannot).
func (b *eventSourceMapping) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.EventSourceMapping](req)
	if err != nil {
		return nil, err
	}
	var fs []Finding
	for _, m := range cfg.Mappings {
		region, uuid := esmRef(req, m)
		api, ok := b.clients.Lambda(region).(esmAPI)
		if !ok {
			fs = append(fs, Finding{Severity: "warning", Resource: m, Check: "event-source-mapping/supported", Message: "this Lambda client has no event-source-mapping calls; the step would change nothing"})
			continue
		}
		if _, err := api.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)}); err != nil {
			sev := "warning"
			if notFound(err) {
				sev = "error"
			}
			fs = append(fs, Finding{Severity: sev, Resource: m, Check: "event-source-mapping/exists", Message: fmt.Sprintf("cannot read event source mapping %s in %s: %v", uuid, region, err)})
		}
	}
	return fs, nil
}
