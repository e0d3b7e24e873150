package controlplane

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// This file grants the readiness and trigger functions the reads they make
// under their own role (Access.ReadAlarms, DescribeSecrets, ReadPeerTables,
// SimulatePlanRole); the plans' resources they read through the plan
// execution role (Access.AssumePlanRole).

const (
	reasonControlPlaneMetrics = "cloudwatch:GetMetricData lists no resource type in the Service Authorization Reference " +
		"(Actions, resources, and condition keys for Amazon CloudWatch), so IAM accepts only \"*\"; readiness and the trigger " +
		"read the Aurora replication lag (AuroraGlobalDBReplicationLag) to compare it with the plan's RPO."
	reasonPeerTableKeys = "A peer Region's table is encrypted with that Region's Switchyard key, whose id is generated at deploy and " +
		"unknown here; kms:Decrypt is allowed on keys of that Region and account only, and only when DynamoDB of that Region " +
		"calls KMS on the function's behalf (kms:ViaService), i.e. to read the peer table."
)

// PeerTableNames are the other configured Regions' Switchyard tables, by
// Region: every Region's table is named Config.TableName(), so the names
// derive from the configuration alone. The readiness and trigger functions
// receive them in lambdaenv.PeerTables.
func PeerTableNames(cfg Config, region string) map[string]string {
	out := map[string]string{}
	for _, r := range cfg.Regions {
		if r != region {
			out[r] = cfg.TableName()
		}
	}
	return out
}

// peerTableARNs are the ARNs of PeerTableNames.
func peerTableARNs(cfg Config, region string) []string {
	peers := PeerTableNames(cfg, region)
	var out []string
	for _, r := range sortedKeys(peers) {
		out = append(out, fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", partitionOf(r), r, cfg.Account, peers[r]))
	}
	return out
}

// peerKeyARNs are the key-ARN patterns of the peer Regions (see
// reasonPeerTableKeys).
func peerKeyARNs(cfg Config, region string) []string {
	var out []string
	for _, r := range sortedKeys(PeerTableNames(cfg, region)) {
		out = append(out, fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partitionOf(r), r, cfg.Account))
	}
	return out
}

func partitionOf(region string) string {
	if p := plan.Partition(region); p != "" {
		return p
	}
	return "aws"
}

// PlanAlarmARNs are the CloudWatch alarms the plans that involve region
// name, by ARN, sorted: their triggers' conditions and their alarm-wait
// steps. An alarm named without an ARN is in region.
func PlanAlarmARNs(set *PlanSet, region, account string) []string {
	if set == nil {
		return nil
	}
	seen := map[string]bool{}
	add := func(a string) {
		if !strings.HasPrefix(a, "arn:") {
			a = fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s", partitionOf(region), region, account, a)
		}
		seen[a] = true
	}
	for _, dp := range set.Plans {
		p := dp.Plan
		if p == nil || !slices.Contains(p.Spec.Regions, region) {
			continue
		}
		for _, t := range p.Spec.Triggers {
			for _, c := range t.Conditions {
				add(c.Alarm)
			}
		}
		for _, ref := range p.Steps() {
			if aw, ok := ref.Step.With.(*plan.AlarmWait); ok {
				for _, a := range aw.Alarms {
					add(a)
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// grantControlPlaneReads adds the statements of a's read permissions to
// role and sets their environment. It returns the ARNs outside this Region
// it granted (RegionStack.CrossRegionReads).
func grantControlPlaneReads(role awsiam.Role, a Access, rs *RegionStack, cfg Config, region string, plans *PlanSet, env map[string]string) []string {
	var cross []string
	if a.SimulatePlanRole || a.AssumePlanRole {
		env[lambdaenv.ExecutionRoleArn] = *rs.PlanRole.Role.RoleArn()
	}
	if a.ReadAlarms {
		if alarms := PlanAlarmARNs(plans, region, cfg.Account); len(alarms) > 0 {
			// Alarms of the plans only, by ARN (DescribeAlarms with
			// AlarmNames). A trigger condition may name an alarm of the
			// Region being left: reading its state is a data read the
			// trigger degrades without (the condition is unknown, nothing
			// starts), never a dependency of a recovery.
			role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("PlanAlarmsDescribe"),
				Actions:   jsii.Strings("cloudwatch:DescribeAlarms"),
				Resources: jsii.Strings(alarms...),
			}))
			for _, al := range alarms {
				if !strings.Contains(al, ":"+region+":") {
					cross = append(cross, al)
				}
			}
		}
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReplicationLagMetrics"),
			Actions:   jsii.Strings("cloudwatch:GetMetricData"),
			Resources: jsii.Strings("*"),
		}))
		suppress(role, true, finding{id: "AwsSolutions-IAM5", reason: reasonControlPlaneMetrics, appliesTo: []string{"Resource::*"}})
	}
	if a.DescribeSecrets {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ControlPlaneSecretsDescribe"),
			Actions:   jsii.Strings("secretsmanager:DescribeSecret"),
			Resources: &[]*string{rs.SigningSecret.SecretArn(), rs.BotToken.SecretArn()},
		}))
		env[lambdaenv.SlackSigningSecretArn] = *rs.SigningSecret.SecretArn()
		env[lambdaenv.SlackBotTokenArn] = *rs.BotToken.SecretArn()
	}
	if a.ReadPeerTables && cfg.PeerReads {
		if tables := peerTableARNs(cfg, region); len(tables) > 0 {
			// A deliberate cross-Region READ of data, not a control-plane
			// dependency: readiness compares the plan version item of each
			// peer Region's table with its own (DESIGN.md flow 2, "the same
			// plan version in every Region"). Only GetItem on the tables
			// named by the configuration; nothing is written, no stack
			// references another stack's resources, and an unreachable peer
			// is a readiness warning: no execution reads a peer table.
			role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("PeerPlanVersionsRead"),
				Actions:   jsii.Strings("dynamodb:GetItem"),
				Resources: jsii.Strings(tables...),
			}))
			keys := peerKeyARNs(cfg, region)
			var via []string
			for _, r := range sortedKeys(PeerTableNames(cfg, region)) {
				via = append(via, "dynamodb."+r+".amazonaws.com")
			}
			role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("PeerTableKeysDecrypt"),
				Actions:   jsii.Strings("kms:Decrypt"),
				Resources: jsii.Strings(keys...),
				Conditions: &map[string]any{
					"StringEquals": map[string]any{"kms:ViaService": via},
				},
			}))
			at := make([]string, 0, len(keys))
			for _, k := range keys {
				at = append(at, "Resource::"+k)
			}
			suppress(role, true, finding{id: "AwsSolutions-IAM5", reason: reasonPeerTableKeys, appliesTo: at})
			cross = append(cross, tables...)
			cross = append(cross, keys...)
			cross = append(cross, via...)
			env[lambdaenv.PeerTables] = lambdaenv.FormatPeerTables(PeerTableNames(cfg, region))
			cross = append(cross, env[lambdaenv.PeerTables])
		}
	}
	return cross
}
