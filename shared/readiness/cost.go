package readiness

import (
	"fmt"
	"strings"
	"time"
)

// Prices used by EstimateCost: AWS public list prices for US East (N.
// Virginia), on-demand, without free tiers (which make small installations
// cheaper still). Price date: as published on the pricing pages below in
// 2025 and unchanged to our knowledge on 2026-11-22 (the development machines
// have no internet access to re-check them; update the constants and
// PriceDate together).
const (
	// PriceDate is when the prices below were last checked.
	PriceDate = "2025 list prices (us-east-1), not re-checked on 2026-11-22"

	// https://aws.amazon.com/lambda/pricing/ — requests $0.20 per 1M;
	// duration on Arm (Graviton2) $0.0000133334 per GB-second.
	priceLambdaRequest  = 0.20 / 1e6
	priceLambdaGBSecond = 0.0000133334
	// https://aws.amazon.com/step-functions/pricing/ — Standard workflows
	// $0.025 per 1,000 state transitions.
	priceStateTransition = 0.025 / 1000
	// https://aws.amazon.com/cloudwatch/pricing/ — custom metrics $0.30 per
	// metric-month (first 10,000); GetMetricData $0.01 per 1,000 metrics
	// requested; other API requests (DescribeAlarms) $0.01 per 1,000;
	// Logs ingestion $0.50 per GB, storage $0.03 per GB-month.
	priceMetricMonth   = 0.30
	priceMetricRequest = 0.01 / 1000
	priceCWAPIRequest  = 0.01 / 1000
	priceLogIngestGB   = 0.50
	priceLogStoreGB    = 0.03
	// https://aws.amazon.com/dynamodb/pricing/on-demand/ — $0.625 per
	// million write request units, $0.125 per million read request units.
	priceDynamoWRU = 0.625 / 1e6
	priceDynamoRRU = 0.125 / 1e6
	// https://aws.amazon.com/eventbridge/pricing/ — custom events $1.00 per
	// million (AWS service events on the default bus, such as alarm state
	// changes, and scheduled rules are free).
	priceCustomEvent = 1.00 / 1e6
	// https://aws.amazon.com/secrets-manager/pricing/ — $0.05 per 10,000
	// API calls. The $0.40 per secret-month is the control plane's, shared
	// by every plan, and not counted per plan.
	priceSecretsCall = 0.05 / 10000

	// RegionSwitchPerPlanMonth is what AWS ARC Region switch charges per
	// plan per month (https://aws.amazon.com/application-recovery-controller/pricing/).
	RegionSwitchPerPlanMonth = 70.0
)

// CostInputs are the measured and assumed figures of one plan.
type CostInputs struct {
	Plan string
	// Regions is how many Regions run a copy of the control plane that
	// evaluates the plan (each evaluates the failover into itself).
	Regions int
	// Every is the readiness schedule (default 5 minutes).
	Every time.Duration
	// Per evaluation, measured on the simulator: calls by "service/API",
	// metrics requested with GetMetricData, and the evaluation's duration.
	CallsByAPI        map[string]int
	MetricQueries     int
	EvaluationSeconds float64
	// ExecutionsPerMonth are real executions (game days, failovers);
	// drills on the simulator cost nothing. TransitionsPerExecution is the
	// number of state transitions of one execution.
	ExecutionsPerMonth      float64
	TransitionsPerExecution int
	// AlarmEventsPerMonth are alarm state changes reaching the trigger
	// function (every Region receives them).
	AlarmEventsPerMonth float64
	// LambdaMemoryMB of the readiness and trigger functions (default 256).
	LambdaMemoryMB int
}

// CostLine is one item of an estimate.
type CostLine struct {
	Item     string  `json:"item"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	USD      float64 `json:"usd"`
}

// Estimate is a monthly cost estimate of running Switchyard for one plan.
type Estimate struct {
	Plan       string     `json:"plan"`
	Lines      []CostLine `json:"lines"`
	USD        float64    `json:"usdPerMonth"`
	PriceDate  string     `json:"priceDate"`
	Comparison string     `json:"comparison"`
}

// EstimateCost prices a month of readiness evaluations, trigger
// invocations, executions, logs and metrics for one plan.
func EstimateCost(in CostInputs) Estimate {
	if in.Every <= 0 {
		in.Every = 5 * time.Minute
	}
	if in.LambdaMemoryMB <= 0 {
		in.LambdaMemoryMB = 256
	}
	if in.Regions <= 0 {
		in.Regions = 1
	}
	gb := float64(in.LambdaMemoryMB) / 1024
	evals := float64(30*24*time.Hour/in.Every) * float64(in.Regions)
	var lines []CostLine
	add := func(item string, q float64, unit string, price float64) {
		lines = append(lines, CostLine{Item: item, Quantity: q, Unit: unit, USD: q * price})
	}
	add("readiness Lambda invocations", evals, "requests", priceLambdaRequest)
	add("readiness Lambda duration", evals*in.EvaluationSeconds*gb, "GB-seconds", priceLambdaGBSecond)
	// The trigger function also runs on the schedule (hold-deadline
	// re-checks, ~50 ms) and on every alarm event in every Region.
	trig := evals + in.AlarmEventsPerMonth*float64(in.Regions)
	add("trigger Lambda invocations", trig, "requests", priceLambdaRequest)
	add("trigger Lambda duration", trig*0.05*gb, "GB-seconds", priceLambdaGBSecond)
	add("GetMetricData (replication lag)", evals*float64(in.MetricQueries), "metrics", priceMetricRequest)
	add("DescribeAlarms", evals*float64(in.CallsByAPI["cloudwatch/DescribeAlarms"]), "requests", priceCWAPIRequest)
	add("Secrets Manager DescribeSecret", evals*float64(in.CallsByAPI["secretsmanager/DescribeSecret"]), "calls", priceSecretsCall)
	// One GetReadiness and one PutReadiness (a report of ~3 KB: 3 WRU) per
	// evaluation; trigger state: ~2 reads and 1 write per alarm event.
	add("DynamoDB writes", evals*3+in.AlarmEventsPerMonth*float64(in.Regions)*2, "WRU", priceDynamoWRU)
	add("DynamoDB reads", evals*1+in.AlarmEventsPerMonth*float64(in.Regions)*2, "RRU", priceDynamoRRU)
	add("Readiness metric (EMF, 1 per Region)", float64(in.Regions), "metric-months", priceMetricMonth)
	logGB := (evals*2048 + in.AlarmEventsPerMonth*float64(in.Regions)*2048 + in.ExecutionsPerMonth*float64(in.TransitionsPerExecution)*1024) / (1 << 30)
	add("CloudWatch Logs ingestion", logGB, "GB", priceLogIngestGB)
	add("CloudWatch Logs storage (1 month kept)", logGB, "GB-months", priceLogStoreGB)
	add("Switchyard events (Trigger Decision, Readiness Changed, executions)", in.AlarmEventsPerMonth*float64(in.Regions)+evals*0.01+in.ExecutionsPerMonth*float64(in.TransitionsPerExecution)/4, "events", priceCustomEvent)
	add("Step Functions transitions", in.ExecutionsPerMonth*float64(in.TransitionsPerExecution), "transitions", priceStateTransition)
	e := Estimate{Plan: in.Plan, Lines: lines, PriceDate: PriceDate}
	for _, l := range lines {
		e.USD += l.USD
	}
	e.Comparison = fmt.Sprintf("%.1f%% of Region switch's $%.0f per plan per month (%.0f× cheaper), while evaluating every %s instead of every 30 minutes",
		100*e.USD/RegionSwitchPerPlanMonth, RegionSwitchPerPlanMonth, RegionSwitchPerPlanMonth/max(e.USD, 0.0001), in.Every)
	return e
}

// Text renders the estimate for a terminal.
func (e Estimate) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan %s: $%.2f per month\n", e.Plan, e.USD)
	for _, l := range e.Lines {
		fmt.Fprintf(&b, "  %-68s %14.1f %-14s $%8.4f\n", l.Item, l.Quantity, l.Unit, l.USD)
	}
	fmt.Fprintf(&b, "  that is %s\n  prices: %s\n", e.Comparison, e.PriceDate)
	return b.String()
}

// TransitionsEstimate estimates the state transitions of one execute-plan
// execution of a workflow with steps steps: about 12 for validation, the
// lock, preflight and the report, and about 8 per step (start, a few polls
// with their waits, the result). The cost command measures the count on a
// local run of execute-plan instead, and falls back on this estimate only
// when that run does not succeed (it says so).
func TransitionsEstimate(steps int) int { return 12 + 8*steps }
