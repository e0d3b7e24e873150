package controlplane

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConfigFromContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]string
		env     map[string]string
		want    Config
		wantErr []string
	}{
		{
			name: "minimal",
			ctx:  map[string]string{"account": "123456789012", "regions": "us-east-1, us-west-2"},
			want: Config{Account: "123456789012", Regions: []string{"us-east-1", "us-west-2"}, RepoRoot: ".", FunctionsBinDir: DefaultFunctionsBinDir, Prefix: DefaultPrefix, PlansDir: DefaultPlansDir},
		},
		{
			name: "account from the CLI's environment, every option",
			ctx:  map[string]string{"regions": "eu-west-1", "readinessMinutes": "10", "repoRoot": "/src", "functionsBinDir": "/bin", "prefix": "Yard2", "plans": "ops/plans"},
			env:  map[string]string{"CDK_DEFAULT_ACCOUNT": "210987654321"},
			want: Config{Account: "210987654321", Regions: []string{"eu-west-1"}, ReadinessInterval: 10 * time.Minute, RepoRoot: "/src", FunctionsBinDir: "/bin", Prefix: "Yard2", PlansDir: "ops/plans"},
		},
		{
			name:    "nothing",
			wantErr: []string{`context "account": missing`, `context "regions": missing`},
		},
		{
			name: "every mistake at once",
			ctx:  map[string]string{"account": "12345", "regions": "us-east-1,mars-north-1x,us-east-1", "readinessMinutes": "0", "prefix": "no-dashes"},
			wantErr: []string{
				`"12345" is not an AWS account id`,
				`item 2 "mars-north-1x" is not an AWS Region name`,
				`Region "us-east-1" is listed twice`,
				`"0" is not a whole number of minutes`,
				`"no-dashes" must be a letter`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			get := func(k string) (string, bool) { v, ok := tc.ctx[k]; return v, ok }
			env := func(k string) string { return tc.env[k] }
			got, err := ConfigFromContext(get, env)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q\ndoes not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Account != tc.want.Account || !slices.Equal(got.Regions, tc.want.Regions) || got.ReadinessInterval != tc.want.ReadinessInterval ||
				got.RepoRoot != tc.want.RepoRoot || got.FunctionsBinDir != tc.want.FunctionsBinDir || got.Prefix != tc.want.Prefix || got.PlansDir != tc.want.PlansDir {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestContextString(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
		ok   bool
	}{
		{"unset", nil, "", false},
		{"string", "us-east-1,us-west-2", "us-east-1,us-west-2", true},
		{"number from cdk.json", float64(10), "10", true},
		{"list from cdk.json", []any{"us-east-1", "us-west-2"}, "us-east-1,us-west-2", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := contextString(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("contextString(%v) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestPlanPermissionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		perms   PlanPermissions
		wantErr []string
	}{
		{
			name: "scoped, cross-Region target",
			perms: PlanPermissions{
				{Actions: []string{"rds:SwitchoverGlobalCluster"}, Resources: []string{"arn:aws:rds::123456789012:global-cluster:payments"}},
				{Actions: []string{"ecs:UpdateService"}, Resources: []string{"arn:aws:ecs:us-west-2:123456789012:service/prod/payments"}},
				{Actions: []string{"cloudwatch:GetMetricData"}, Resources: []string{"*"}, Reason: "no resource-level permissions"},
				{Sid: "Db1", Actions: []string{"rds:DescribeDBInstances"}, Resources: []string{"arn:aws:rds:us-west-2:123456789012:db:*"}, Reason: "instances found at run time"},
			},
		},
		{
			name: "wildcard without a reason, bad sid",
			perms: PlanPermissions{
				{Sid: "not-ok", Actions: []string{"rds:DescribeDBInstances"}, Resources: []string{"arn:aws:rds:us-west-2:123456789012:db:*"}},
			},
			wantErr: []string{
				`statement 0: sid "not-ok": letters and digits only`,
				`statement 0: resource "arn:aws:rds:us-west-2:123456789012:db:*" has a wildcard but the statement gives no reason`,
			},
		},
		{
			name: "wildcards and non-ARNs",
			perms: PlanPermissions{
				{Actions: []string{"*"}, Resources: []string{"arn:aws:rds:us-east-1:123456789012:cluster:x"}},
				{Actions: []string{"ecs:*"}, Resources: []string{"*"}},
				{Actions: []string{"ecs:UpdateService"}, Resources: []string{"payments"}},
				{},
			},
			wantErr: []string{
				`statement 0: action "*": must be service:Action without wildcards`,
				`statement 1: action "ecs:*"`,
				`statement 1: resource "*" with action "ecs:*"`,
				`statement 2: resource "payments": not an ARN`,
				"statement 3: actions: empty", "statement 3: resources: empty",
			},
		},
		{
			name:    "star resource for a scopable action",
			perms:   PlanPermissions{{Actions: []string{"rds:FailoverGlobalCluster"}, Resources: []string{"*"}}},
			wantErr: []string{`resource "*" with action "rds:FailoverGlobalCluster": the action supports resource-level permissions`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.perms.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate succeeded, want errors")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}
