package blocks

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

func TestRoute53Record(t *testing.T) {
	const zone = "Z0123456789ABC"
	cfg := func(allow bool, eastW, westW int, extra ...plan.RecordChange) *plan.Route53Record {
		return &plan.Route53Record{HostedZoneID: zone, AllowControlPlane: allow, Records: append([]plan.RecordChange{
			{Name: "api.example.com", Type: "A", SetIdentifier: "east", Weight: eastW},
			{Name: "api.example.com", Type: "A", SetIdentifier: "west", Weight: westW}}, extra...)}
	}
	tests := []struct {
		name        string
		cfg         *plan.Route53Record
		wantErr     string
		wantChanges int
		wantWest    int64
	}{
		{name: "shift weight", cfg: cfg(true, 0, 100), wantChanges: 1, wantWest: 100},
		{name: "already weighted", cfg: cfg(true, 100, 0), wantChanges: 0, wantWest: 0},
		{name: "not opted in", cfg: cfg(false, 0, 100), wantErr: "InvalidInput"},
		{name: "missing record", cfg: cfg(true, 0, 100, plan.RecordChange{Name: "www.example.com", Type: "A", SetIdentifier: "x", Weight: 1}), wantErr: "Terminal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			must(t, e.w.AddHostedZone(zone, "example.com"))
			must(t, e.w.AddRecord(zone, sim.RecordSpec{Name: "api.example.com", SetIdentifier: "east", Weight: aws.Int64(100), Region: east}))
			must(t, e.w.AddRecord(zone, sim.RecordSpec{Name: "api.example.com", SetIdentifier: "west", Weight: aws.Int64(0), Region: west}))
			b := e.block("route53-record")
			req := e.req("route53-record", tt.cfg, Graceful)
			p, err := e.run(b, req, 10*time.Minute)
			wantClass(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if !p.Done {
				t.Fatalf("not done: %+v", p)
			}
			if got := e.w.CallCount("route53", "ChangeResourceRecordSets", ""); got != tt.wantChanges {
				t.Errorf("ChangeResourceRecordSets calls = %d, want %d", got, tt.wantChanges)
			}
			out, err := e.w.Route53().ListResourceRecordSets(t.Context(), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone)})
			must(t, err)
			for _, r := range out.ResourceRecordSets {
				if aws.ToString(r.SetIdentifier) == "west" && aws.ToInt64(r.Weight) != tt.wantWest {
					t.Errorf("west weight = %d, want %d", aws.ToInt64(r.Weight), tt.wantWest)
				}
			}
			if again, err := b.Start(t.Context(), req); err != nil || !again.Done {
				t.Errorf("Start after Done = %+v, %v", again, err)
			}
			if got := e.w.CallCount("route53", "ChangeResourceRecordSets", ""); got != tt.wantChanges {
				t.Errorf("Start after Done changed records again")
			}
		})
	}
}

func TestAuroraScale(t *testing.T) {
	cfg := &plan.AuroraScale{Target: westDB, Source: eastDB, Match: "instance-class"}
	t.Run("graceful matches the source class", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		b := e.block("aurora-scale")
		p, err := e.run(b, e.req("aurora-scale", cfg, Graceful), 30*time.Minute)
		if err != nil || !p.Done {
			t.Fatalf("run = %+v, %v", p, err)
		}
		out, err := e.w.RDS(west).DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("payments-usw2-instance-1")})
		must(t, err)
		if got := aws.ToString(out.DBInstances[0].DBInstanceClass); got != "db.r6g.2xlarge" {
			t.Errorf("target class = %s, want db.r6g.2xlarge", got)
		}
		if n := e.w.CallCount("rds", "ModifyDBInstance", west); n != 1 {
			t.Errorf("ModifyDBInstance calls = %d, want 1 (no second modification while one is pending)", n)
		}
		fs, err := b.Check(t.Context(), e.req("aurora-scale", cfg, Graceful))
		if err != nil || len(fs) != 0 {
			t.Errorf("Check after = %+v, %v; want none", fs, err)
		}
	})
	t.Run("check before warns", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		fs, err := e.block("aurora-scale").Check(t.Context(), e.req("aurora-scale", cfg, Graceful))
		if err != nil || !hasFinding(fs, "warning", "size") {
			t.Errorf("Check = %+v, %v; want a size warning", fs, err)
		}
	})
	t.Run("graceful, source Region down, leaves the target as it is", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		must(t, e.w.SetRegionDown(east, true))
		p, err := e.block("aurora-scale").Start(t.Context(), e.req("aurora-scale", cfg, Graceful))
		if err != nil || !p.Done || p.Outputs["resized"] != false {
			t.Errorf("Start = %+v, %v; want Done with resized=false", p, err)
		}
	})
	t.Run("graceful, source throttled, is retryable", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		_, err := e.w.Inject(sim.Fault{Kind: sim.FaultThrottle, Service: "rds", Region: east, Rate: 1})
		must(t, err)
		_, err = e.block("aurora-scale").Start(t.Context(), e.req("aurora-scale", cfg, Graceful))
		wantClass(t, err, "Retryable")
	})
	t.Run("ungraceful leaves the target as it is", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		p, err := e.block("aurora-scale").Start(t.Context(), e.req("aurora-scale", cfg, Ungraceful))
		if err != nil || !p.Done || p.Outputs["resized"] != false {
			t.Errorf("Start = %+v, %v; want Done with resized=false", p, err)
		}
		if n := e.w.CallCount("rds", "ModifyDBInstance", ""); n != 0 {
			t.Errorf("ModifyDBInstance called %d time(s)", n)
		}
		if e.touched(east) != 0 {
			t.Errorf("ungraceful aurora-scale called the source Region")
		}
	})
}
