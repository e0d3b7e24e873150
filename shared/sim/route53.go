package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// HealthCheckType is the kind of a Route 53 health check.
type HealthCheckType string

// Health check kinds.
const (
	// HealthCheckRecoveryControl is healthy while its routing control is On.
	HealthCheckRecoveryControl HealthCheckType = "RECOVERY_CONTROL"
	// HealthCheckCloudWatch is healthy unless its alarm is in ALARM (the
	// STOP pattern's standby-takes-over signal).
	HealthCheckCloudWatch HealthCheckType = "CLOUDWATCH_METRIC"
	// HealthCheckEndpoint is healthy while its Region's data plane is up
	// or, with a URL, while that simulated endpoint answers 2xx/3xx.
	HealthCheckEndpoint HealthCheckType = "HTTPS"
	// HealthCheckCalculated is healthy while at least Threshold children are.
	HealthCheckCalculated HealthCheckType = "CALCULATED"
)

// HealthCheckSpec describes a Route 53 health check.
type HealthCheckSpec struct {
	ID                string
	Type              HealthCheckType
	RoutingControlArn string
	AlarmRegion       string
	AlarmName         string
	Region            string
	Children          []string
	Threshold         int
	Inverted          bool
	// URL, for an HTTPS check, is a simulated endpoint (AddEndpoint,
	// AddStopSignal): the check is healthy while the endpoint answers 2xx
	// or 3xx, and changes status once a new answer has held for
	// Durations.HealthCheckDetection. Without URL an HTTPS check is
	// healthy while Region's data plane is up.
	URL string
}

// RecordSpec is a DNS record of a hosted zone.
type RecordSpec struct {
	Name          string
	Type          r53types.RRType // default A
	SetIdentifier string
	Failover      r53types.ResourceRecordSetFailover
	Weight        *int64
	HealthCheckID string
	TTL           int64 // default Durations.DNSTTL
	// Region the record sends traffic to.
	Region string
	// Value of the record (default a documentation IP).
	Value string
}

type route53State struct {
	zones   map[string]*hostedZone
	checks  map[string]*HealthCheckSpec
	changes map[string]*r53types.ChangeInfo
	app     struct{ zone, name string }
	history []trafficChange
}

func (r *route53State) init() {
	r.zones = map[string]*hostedZone{}
	r.checks = map[string]*HealthCheckSpec{}
	r.changes = map[string]*r53types.ChangeInfo{}
}

type hostedZone struct {
	id, name string
	records  []r53types.ResourceRecordSet
	regions  map[string]string // record key -> Region
}

func normName(n string) string { return strings.ToLower(strings.TrimSuffix(n, ".")) }

func recordKey(r r53types.ResourceRecordSet) string {
	return normName(aws.ToString(r.Name)) + "|" + string(r.Type) + "|" + aws.ToString(r.SetIdentifier)
}

// AddHealthCheck adds a Route 53 health check.
func (w *World) AddHealthCheck(spec HealthCheckSpec) error {
	return w.mutate(func(now time.Time) error {
		if spec.ID == "" {
			return fmt.Errorf("health check: ID is empty")
		}
		if _, ok := w.r53.checks[spec.ID]; ok {
			return fmt.Errorf("health check %q: %w", spec.ID, ErrDuplicate)
		}
		switch spec.Type {
		case HealthCheckRecoveryControl:
			if w.arc.controls[spec.RoutingControlArn] == nil {
				return fmt.Errorf("health check %q: routing control %q not found", spec.ID, spec.RoutingControlArn)
			}
		case HealthCheckCloudWatch:
			if w.cw.alarms[spec.AlarmRegion+"/"+spec.AlarmName] == nil {
				return fmt.Errorf("health check %q: alarm %q in %q not found", spec.ID, spec.AlarmName, spec.AlarmRegion)
			}
		case HealthCheckEndpoint:
			if spec.URL != "" {
				ep, err := w.endpointFor(spec.URL)
				if err != nil {
					return fmt.Errorf("health check %q: %w", spec.ID, err)
				}
				if spec.Region == "" {
					spec.Region = ep.region
				}
			}
			if err := w.checkRegion(spec.Region); err != nil {
				return fmt.Errorf("health check %q: %w", spec.ID, err)
			}
		case HealthCheckCalculated:
			for _, ch := range spec.Children {
				if w.r53.checks[ch] == nil {
					return fmt.Errorf("health check %q: child %q not found", spec.ID, ch)
				}
			}
		default:
			return fmt.Errorf("health check %q: unknown type %q; allowed: %s, %s, %s, %s", spec.ID, spec.Type,
				HealthCheckRecoveryControl, HealthCheckCloudWatch, HealthCheckEndpoint, HealthCheckCalculated)
		}
		s := spec
		w.r53.checks[spec.ID] = &s
		if s.URL != "" {
			w.web.observe(s.ID, now, w.urlHealthyAt(s.URL, now))
		}
		return nil
	})
}

// AddHostedZone adds a hosted zone.
func (w *World) AddHostedZone(id, name string) error {
	return w.mutate(func(time.Time) error {
		if id == "" || name == "" {
			return fmt.Errorf("hosted zone: id and name are required (got %q, %q)", id, name)
		}
		if _, ok := w.r53.zones[id]; ok {
			return fmt.Errorf("hosted zone %q: %w", id, ErrDuplicate)
		}
		w.r53.zones[id] = &hostedZone{id: id, name: normName(name), regions: map[string]string{}}
		return nil
	})
}

// AddRecord adds a record to a hosted zone.
func (w *World) AddRecord(zoneID string, spec RecordSpec) error {
	return w.mutate(func(time.Time) error {
		z := w.r53.zones[zoneID]
		if z == nil {
			return fmt.Errorf("record %s: hosted zone %q not found", spec.Name, zoneID)
		}
		if spec.Region != "" {
			if err := w.checkRegion(spec.Region); err != nil {
				return fmt.Errorf("record %s: %w", spec.Name, err)
			}
		}
		if spec.HealthCheckID != "" && w.r53.checks[spec.HealthCheckID] == nil {
			return fmt.Errorf("record %s: health check %q not found", spec.Name, spec.HealthCheckID)
		}
		rr := r53types.ResourceRecordSet{Name: aws.String(normName(spec.Name) + "."), Type: spec.Type, Failover: spec.Failover, Weight: spec.Weight}
		if rr.Type == "" {
			rr.Type = r53types.RRTypeA
		}
		if spec.SetIdentifier != "" {
			rr.SetIdentifier = aws.String(spec.SetIdentifier)
		}
		if spec.HealthCheckID != "" {
			rr.HealthCheckId = aws.String(spec.HealthCheckID)
		}
		ttl := spec.TTL
		if ttl == 0 {
			ttl = int64(w.d.DNSTTL / time.Second)
		}
		rr.TTL = aws.Int64(ttl)
		val := spec.Value
		if val == "" {
			val = "192.0.2.10"
		}
		rr.ResourceRecords = []r53types.ResourceRecord{{Value: aws.String(val)}}
		for _, r := range z.records {
			if recordKey(r) == recordKey(rr) {
				return fmt.Errorf("record %s (%s, %q) in zone %s: %w", spec.Name, rr.Type, spec.SetIdentifier, zoneID, ErrDuplicate)
			}
		}
		z.records = append(z.records, rr)
		if spec.Region != "" {
			z.regions[recordKey(rr)] = spec.Region
		}
		return nil
	})
}

// SetApp names the DNS record clients resolve to reach the application; the
// traffic model follows its answers.
func (w *World) SetApp(zoneID, recordName string) error {
	return w.mutate(func(time.Time) error {
		if w.r53.zones[zoneID] == nil {
			return fmt.Errorf("app record %s: hosted zone %q not found", recordName, zoneID)
		}
		w.r53.app.zone, w.r53.app.name = zoneID, normName(recordName)
		return nil
	})
}

// healthCheckHealthy evaluates a health check at t; lock held.
func (w *World) healthCheckHealthy(id string, depth int, t time.Time) bool {
	hc := w.r53.checks[id]
	if hc == nil || depth > 8 {
		return false
	}
	var h bool
	switch hc.Type {
	case HealthCheckRecoveryControl:
		rc := w.arc.controls[hc.RoutingControlArn]
		h = rc != nil && rc.on
	case HealthCheckCloudWatch:
		a := w.cw.alarms[hc.AlarmRegion+"/"+hc.AlarmName]
		h = a == nil || a.state != "ALARM"
	case HealthCheckEndpoint:
		if hc.URL != "" {
			h = w.web.observed(hc.ID, t, w.d.HealthCheckDetection)
		} else {
			h = w.dataUp(hc.Region)
		}
	case HealthCheckCalculated:
		n := 0
		for _, ch := range hc.Children {
			if w.healthCheckHealthy(ch, depth+1, t) {
				n++
			}
		}
		h = n >= hc.Threshold
	}
	if hc.Inverted {
		h = !h
	}
	return h
}

func (w *World) regionOfRecord(z *hostedZone, r r53types.ResourceRecordSet) string {
	if reg, ok := z.regions[recordKey(r)]; ok {
		return reg
	}
	cands := []string{aws.ToString(r.SetIdentifier), string(r.Region)}
	if r.AliasTarget != nil {
		cands = append(cands, aws.ToString(r.AliasTarget.DNSName))
	}
	for _, v := range r.ResourceRecords {
		cands = append(cands, aws.ToString(v.Value))
	}
	for _, c := range cands {
		for _, reg := range w.regionOrder {
			if strings.Contains(c, reg) {
				return reg
			}
		}
	}
	return ""
}

// dnsAnswer is the set of Regions the app record answers with at t.
func (w *World) dnsAnswer(t time.Time) []string {
	z := w.r53.zones[w.r53.app.zone]
	if z == nil {
		return nil
	}
	var recs []r53types.ResourceRecordSet
	for _, r := range z.records {
		if normName(aws.ToString(r.Name)) == w.r53.app.name && (r.Type == r53types.RRTypeA || r.Type == r53types.RRTypeAaaa || r.Type == r53types.RRTypeCname) {
			recs = append(recs, r)
		}
	}
	healthy := func(r r53types.ResourceRecordSet) bool {
		return r.HealthCheckId == nil || w.healthCheckHealthy(*r.HealthCheckId, 0, t)
	}
	var chosen []r53types.ResourceRecordSet
	var primary, secondary *r53types.ResourceRecordSet
	weighted := false
	for i := range recs {
		switch recs[i].Failover {
		case r53types.ResourceRecordSetFailoverPrimary:
			primary = &recs[i]
		case r53types.ResourceRecordSetFailoverSecondary:
			secondary = &recs[i]
		}
		weighted = weighted || recs[i].Weight != nil
	}
	switch {
	case primary != nil || secondary != nil:
		switch {
		case primary != nil && healthy(*primary):
			chosen = append(chosen, *primary)
		case secondary != nil && healthy(*secondary):
			chosen = append(chosen, *secondary)
		case primary != nil:
			chosen = append(chosen, *primary)
		default:
			chosen = append(chosen, *secondary)
		}
	case weighted:
		for _, r := range recs {
			if aws.ToInt64(r.Weight) > 0 && healthy(r) {
				chosen = append(chosen, r)
			}
		}
		if len(chosen) == 0 { // all unhealthy: Route 53 considers all healthy
			for _, r := range recs {
				if aws.ToInt64(r.Weight) > 0 {
					chosen = append(chosen, r)
				}
			}
		}
	default:
		chosen = recs
	}
	var out []string
	for _, r := range chosen {
		if reg := w.regionOfRecord(z, r); reg != "" && !slices.Contains(out, reg) {
			out = append(out, reg)
		}
	}
	slices.Sort(out)
	return out
}

// Route53Client is the simulated Route 53 API (a global service whose
// control plane is homed in us-east-1).
type Route53Client struct {
	w *World
}

// Route53 returns the Route 53 client.
func (w *World) Route53() *Route53Client { return &Route53Client{w: w} }

// GetHealthCheckStatus reports a health check as seen by Route 53 checkers.
func (c *Route53Client) GetHealthCheckStatus(ctx context.Context, in *route53.GetHealthCheckStatusInput, _ ...func(*route53.Options)) (*route53.GetHealthCheckStatusOutput, error) {
	if in == nil {
		in = &route53.GetHealthCheckStatusInput{}
	}
	out := &route53.GetHealthCheckStatusOutput{}
	err := c.w.do(ctx, svcRoute53, "GetHealthCheckStatus", "us-east-1", func(now time.Time) error {
		id := aws.ToString(in.HealthCheckId)
		if c.w.r53.checks[id] == nil {
			return &r53types.NoSuchHealthCheck{Message: aws.String(fmt.Sprintf("A health check with id %s does not exist.", id))}
		}
		status := "Failure: The health check is unhealthy."
		if c.w.healthCheckHealthy(id, 0, now) {
			status = "Success: The health check is healthy."
		}
		for _, r := range []r53types.HealthCheckRegion{r53types.HealthCheckRegionUsEast1, r53types.HealthCheckRegionUsWest2, r53types.HealthCheckRegionEuWest1} {
			out.HealthCheckObservations = append(out.HealthCheckObservations, r53types.HealthCheckObservation{Region: r,
				IPAddress: aws.String("192.0.2.53"), StatusReport: &r53types.StatusReport{CheckedTime: aws.Time(now), Status: aws.String(status)}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ChangeResourceRecordSets validates a change batch and applies it after
// Durations.Route53Propagation (status PENDING, then INSYNC).
func (c *Route53Client) ChangeResourceRecordSets(ctx context.Context, in *route53.ChangeResourceRecordSetsInput, _ ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error) {
	if in == nil {
		in = &route53.ChangeResourceRecordSetsInput{}
	}
	out := &route53.ChangeResourceRecordSetsOutput{}
	err := c.w.do(ctx, svcRoute53, "ChangeResourceRecordSets", "us-east-1", func(now time.Time) error {
		w := c.w
		zid := strings.TrimPrefix(aws.ToString(in.HostedZoneId), "/hostedzone/")
		z := w.r53.zones[zid]
		if z == nil {
			return &r53types.NoSuchHostedZone{Message: aws.String(fmt.Sprintf("No hosted zone found with ID: %s", zid))}
		}
		if in.ChangeBatch == nil || len(in.ChangeBatch.Changes) == 0 {
			return &r53types.InvalidChangeBatch{Message: aws.String("The change batch has no changes.")}
		}
		recs := slices.Clone(z.records)
		var msgs []string
		for _, ch := range in.ChangeBatch.Changes {
			if ch.ResourceRecordSet == nil {
				msgs = append(msgs, "A change has no ResourceRecordSet")
				continue
			}
			rr := *ch.ResourceRecordSet
			rr.Name = aws.String(normName(aws.ToString(rr.Name)) + ".")
			idx := slices.IndexFunc(recs, func(r r53types.ResourceRecordSet) bool { return recordKey(r) == recordKey(rr) })
			desc := fmt.Sprintf("[name='%s', type='%s', set-identifier='%s']", aws.ToString(rr.Name), rr.Type, aws.ToString(rr.SetIdentifier))
			if rr.HealthCheckId != nil && w.r53.checks[*rr.HealthCheckId] == nil {
				msgs = append(msgs, fmt.Sprintf("Health check %s for record %s does not exist", *rr.HealthCheckId, desc))
				continue
			}
			switch ch.Action {
			case r53types.ChangeActionCreate:
				if idx >= 0 {
					msgs = append(msgs, "Tried to create resource record set "+desc+" but it already exists")
					continue
				}
				recs = append(recs, rr)
			case r53types.ChangeActionDelete:
				if idx < 0 {
					msgs = append(msgs, "Tried to delete resource record set "+desc+" but it was not found")
					continue
				}
				recs = slices.Delete(recs, idx, idx+1)
			case r53types.ChangeActionUpsert:
				if idx >= 0 {
					recs[idx] = rr
				} else {
					recs = append(recs, rr)
				}
			default:
				msgs = append(msgs, fmt.Sprintf("Invalid action %q; allowed: CREATE, DELETE, UPSERT", ch.Action))
			}
		}
		if len(msgs) > 0 {
			return &r53types.InvalidChangeBatch{Messages: msgs, Message: aws.String(strings.Join(msgs, "; "))}
		}
		id := fmt.Sprintf("/change/C%012d", w.newID())
		info := &r53types.ChangeInfo{Id: aws.String(id), Status: r53types.ChangeStatusPending, SubmittedAt: aws.Time(now), Comment: in.ChangeBatch.Comment}
		w.r53.changes[id] = info
		w.schedule(now.Add(w.d.Route53Propagation), func(time.Time) {
			z.records = recs
			info.Status = r53types.ChangeStatusInsync
		})
		cp := *info
		out.ChangeInfo = &cp
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetChange reports whether a change is INSYNC.
func (c *Route53Client) GetChange(ctx context.Context, in *route53.GetChangeInput, _ ...func(*route53.Options)) (*route53.GetChangeOutput, error) {
	if in == nil {
		in = &route53.GetChangeInput{}
	}
	out := &route53.GetChangeOutput{}
	err := c.w.do(ctx, svcRoute53, "GetChange", "us-east-1", func(time.Time) error {
		id := aws.ToString(in.Id)
		if !strings.HasPrefix(id, "/change/") {
			id = "/change/" + id
		}
		info := c.w.r53.changes[id]
		if info == nil {
			return &r53types.NoSuchChange{Message: aws.String(fmt.Sprintf("A change with the specified change ID does not exist: %s", id))}
		}
		cp := *info
		out.ChangeInfo = &cp
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListResourceRecordSets lists a zone's records in Route 53 order (name,
// then type), starting at StartRecordName/Type if given.
func (c *Route53Client) ListResourceRecordSets(ctx context.Context, in *route53.ListResourceRecordSetsInput, _ ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error) {
	if in == nil {
		in = &route53.ListResourceRecordSetsInput{}
	}
	out := &route53.ListResourceRecordSetsOutput{}
	err := c.w.do(ctx, svcRoute53, "ListResourceRecordSets", "us-east-1", func(time.Time) error {
		zid := strings.TrimPrefix(aws.ToString(in.HostedZoneId), "/hostedzone/")
		z := c.w.r53.zones[zid]
		if z == nil {
			return &r53types.NoSuchHostedZone{Message: aws.String(fmt.Sprintf("No hosted zone found with ID: %s", zid))}
		}
		recs := slices.Clone(z.records)
		slices.SortStableFunc(recs, func(a, b r53types.ResourceRecordSet) int { return strings.Compare(recordKey(a), recordKey(b)) })
		start := normName(aws.ToString(in.StartRecordName))
		for _, r := range recs {
			n := normName(aws.ToString(r.Name))
			if start != "" && (n < start || (n == start && in.StartRecordType != "" && string(r.Type) < string(in.StartRecordType))) {
				continue
			}
			out.ResourceRecordSets = append(out.ResourceRecordSets, r)
		}
		out.MaxItems = aws.Int32(300)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
