package blocks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// eventSourceMapping enables or disables Lambda event source mappings (ARN,
// or UUID in the target Region). Observe → compare → act: it reads each
// mapping's State and updates only those not already in (or moving to) the
// wanted state, then polls until every one reports Enabled (Disabled).
// A mapping still changing state (ResourceInUseException, or Creating,
// Updating, the opposite transition) is waited for, not failed. Mappings in
// the source Region are never called in ungraceful mode: they are listed
// under skipped in the outputs, with the reason in the message. Errors:
// throttling, server and network errors are Retryable; a mapping that does
// not exist or is being deleted is Terminal.
type eventSourceMapping struct{ *deps }

// esmRef is the Region and UUID of a mapping named by ARN or by UUID (in
// the target Region).
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
	// changed accumulates over polls, so the outputs say what this step did.
	var prev struct {
		Changed int `json:"changed"`
	}
	if err := loadState(req, &prev); err != nil {
		return Progress{}, err
	}
	var pending, skipped []string
	states := map[string]string{}
	changed := prev.Changed
	for _, m := range cfg.Mappings {
		region, uuid := esmRef(req, m)
		if req.Mode == Ungraceful && region == req.Source {
			skipped = append(skipped, uuid)
			continue
		}
		api := b.clients.Lambda(region)
		got, err := api.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)})
		if err != nil {
			return Progress{}, errclass.Classify(fmt.Sprintf("reading event source mapping %s in %s", uuid, region), err)
		}
		st := aws.ToString(got.State)
		states[uuid] = st
		switch st {
		case want:
			continue
		case moving, "Creating", "Updating":
			pending = append(pending, uuid+" "+st)
			continue
		case "Deleting":
			return Progress{}, &errclass.Terminal{Op: fmt.Sprintf("setting event source mapping %s in %s to %s", uuid, region, cfg.State),
				Err: errors.New("the mapping is being deleted")}
		}
		up, err := api.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(enable)})
		var inUse *lambdatypes.ResourceInUseException
		switch {
		case errors.As(err, &inUse):
			// Another change is still settling: wait for it, then compare again.
			pending = append(pending, uuid+" busy")
			continue
		case err != nil:
			return Progress{}, errclass.Classify(fmt.Sprintf("setting event source mapping %s in %s to %s", uuid, region, cfg.State), err)
		}
		changed++
		st = cmp.Or(aws.ToString(up.State), moving)
		states[uuid] = st
		b.log.InfoContext(ctx, "event source mapping updated", "step", stepName(req), "mapping", uuid, "region", region, "state", st)
		if st != want {
			pending = append(pending, uuid+" "+st)
		}
	}
	out := map[string]any{"changed": changed, "states": states}
	if len(skipped) > 0 {
		out["skipped"] = skipped
	}
	state := mustState(map[string]int{"changed": changed})
	if len(pending) > 0 {
		return Progress{PollAfter: 5 * time.Second, State: state, Outputs: out, Message: "waiting for " + strings.Join(pending, ", ")}, nil
	}
	msg := fmt.Sprintf("%d mapping(s) %s (%d changed by this step)", len(cfg.Mappings)-len(skipped), cfg.State, changed)
	if len(states) > 0 {
		msg += ": " + strings.Join(slices.Sorted(maps.Keys(states)), ", ")
	}
	if len(skipped) > 0 {
		msg += fmt.Sprintf("; %d in the source Region %s not called (ungraceful mode never calls the source Region): %s",
			len(skipped), req.Source, strings.Join(skipped, ", "))
	}
	return Progress{Done: true, State: state, Outputs: out, Message: msg}, nil
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
		if _, err := b.clients.Lambda(region).GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)}); err != nil {
			sev := "warning"
			if notFound(err) {
				sev = "error"
			}
			fs = append(fs, Finding{Severity: sev, Resource: m, Check: "event-source-mapping/exists", Message: fmt.Sprintf("cannot read event source mapping %s in %s: %v", uuid, region, err)})
		}
	}
	return fs, nil
}
