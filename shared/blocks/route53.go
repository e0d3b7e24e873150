package blocks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// route53Record sets the weights of weighted record sets (a control-plane
// call homed in us-east-1, so allowControlPlane must be true). It reads each
// record (ListResourceRecordSets), UPSERTs only those whose weight differs
// in one ChangeResourceRecordSets batch, then waits for GetChange INSYNC;
// Done when the change is INSYNC and every record shows its weight.
type route53Record struct{ *deps }

type route53State struct {
	ChangeID string `json:"changeId,omitempty"`
}

func normDNS(n string) string { return strings.ToLower(strings.TrimSuffix(n, ".")) }

func (b *route53Record) find(ctx context.Context, zone string, rc plan.RecordChange) (r53types.ResourceRecordSet, error) {
	op := fmt.Sprintf("reading record %s %s [%s] in zone %s", rc.Name, rc.Type, rc.SetIdentifier, zone)
	in := &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone), StartRecordName: aws.String(rc.Name),
		StartRecordType: r53types.RRType(rc.Type), StartRecordIdentifier: aws.String(rc.SetIdentifier)}
	out, err := b.clients.Route53().ListResourceRecordSets(ctx, in)
	if err != nil {
		return r53types.ResourceRecordSet{}, errclass.Classify(op, err)
	}
	for _, r := range out.ResourceRecordSets {
		if normDNS(aws.ToString(r.Name)) == normDNS(rc.Name) && string(r.Type) == rc.Type && aws.ToString(r.SetIdentifier) == rc.SetIdentifier {
			return r, nil
		}
	}
	return r53types.ResourceRecordSet{}, &errclass.Terminal{Op: op, Err: errors.New("no such record set")}
}

func (b *route53Record) Start(ctx context.Context, req Request) (Progress, error) {
	return b.reconcile(ctx, req, route53State{})
}

func (b *route53Record) Poll(ctx context.Context, req Request) (Progress, error) {
	var st route53State
	if err := loadState(req, &st); err != nil {
		return Progress{}, err
	}
	return b.reconcile(ctx, req, st)
}

func (b *route53Record) reconcile(ctx context.Context, req Request, st route53State) (Progress, error) {
	cfg, err := configOf[*plan.Route53Record](req)
	if err != nil {
		return Progress{}, err
	}
	if !cfg.AllowControlPlane {
		return Progress{}, &errclass.InvalidInput{Field: "with.allowControlPlane", Message: "route53-record uses the Route 53 control plane and must be opted into (allowControlPlane: true)"}
	}
	if st.ChangeID != "" {
		out, err := b.clients.Route53().GetChange(ctx, &route53.GetChangeInput{Id: aws.String(st.ChangeID)})
		if err != nil {
			return Progress{}, errclass.Classify("reading Route 53 change "+st.ChangeID, err)
		}
		if out.ChangeInfo == nil || out.ChangeInfo.Status != r53types.ChangeStatusInsync {
			return Progress{State: mustState(st), PollAfter: 10 * time.Second, Message: "Route 53 change " + st.ChangeID + " pending"}, nil
		}
	}
	var changes []r53types.Change
	for _, rc := range cfg.Records {
		r, err := b.find(ctx, cfg.HostedZoneID, rc)
		if err != nil {
			return Progress{}, err
		}
		if aws.ToInt64(r.Weight) != int64(rc.Weight) {
			r.Weight = aws.Int64(int64(rc.Weight))
			changes = append(changes, r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r})
		}
	}
	if len(changes) == 0 {
		return Progress{Done: true, State: mustState(st), Message: fmt.Sprintf("%d record(s) have their weights", len(cfg.Records))}, nil
	}
	out, err := b.clients.Route53().ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(cfg.HostedZoneID),
		ChangeBatch: &r53types.ChangeBatch{Comment: aws.String("switchyard " + req.Execution + " step " + stepName(req)), Changes: changes}})
	if err != nil {
		return Progress{}, errclass.Classify("changing record weights in zone "+cfg.HostedZoneID, err)
	}
	if out.ChangeInfo != nil {
		st.ChangeID = aws.ToString(out.ChangeInfo.Id)
	}
	return Progress{State: mustState(st), PollAfter: 10 * time.Second, Message: fmt.Sprintf("changed %d record weight(s); waiting for INSYNC", len(changes))}, nil
}

// Check: every record set exists in the zone.
func (b *route53Record) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.Route53Record](req)
	if err != nil {
		return nil, err
	}
	fs := []Finding{{Severity: "warning", Resource: cfg.HostedZoneID, Check: "route53-record/control-plane",
		Message: "changes records through the Route 53 control plane (us-east-1), which may be impaired during a regional event"}}
	for _, rc := range cfg.Records {
		if _, err := b.find(ctx, cfg.HostedZoneID, rc); err != nil {
			fs = append(fs, Finding{Severity: "error", Resource: cfg.HostedZoneID, Check: "route53-record/exists", Message: err.Error()})
		}
	}
	return fs, nil
}
